"""Load the regulated lists, exemptions and ODS / F-gas registers from fixtures/chemicals/."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from chemicals.models import ControlledSubstance, Exemption, RegulatedList

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "chemicals"


class ReferenceDataError(Exception):
    pass


def load_regulated_list(path: Path, *, activate_if_none_active: bool = True) -> tuple[RegulatedList, bool]:
    """Load one list file; return (list, changed). The staff upload page stores lists the same way."""
    from chemicals import services

    try:
        loaded = services.regulated_list_load(
            path.read_bytes(), activate_if_none_active=activate_if_none_active
        )
    except services.RegulatedListRejected as exc:
        raise ReferenceDataError(f"{path.name}: {exc}") from exc
    return loaded.regulated_list, loaded.changed


def _first_expiry(entry: dict[str, Any]) -> date | None:
    dates = sorted(e["date"] for e in entry.get("expiry") or [] if e.get("date"))
    return date.fromisoformat(dates[0]) if dates else None


@transaction.atomic
def load_exemptions(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["exemptions"]:
        Exemption.objects.update_or_create(
            list_name=entry["key"]["list"],
            item=entry["key"]["item"],
            defaults={
                "is_exemption": bool(entry.get("is_exemption", True)),
                "regulation": entry.get("regulation") or "",
                "substances": entry.get("substances") or [],
                "text": entry.get("text") or {},
                "expires_on": _first_expiry(entry),
                "status": entry.get("status") or "",
                "aliases": entry.get("aliases") or [],
            },
        )
    return len(data["exemptions"])


@transaction.atomic
def load_controlled_substances(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for register, rows in (("ods", data["ods"]), ("fgas", data["fgas"])):
        for row in rows:
            group = f"Class {row['class']}" if register == "ods" else row.get("group") or ""
            ControlledSubstance.objects.update_or_create(
                register=register,
                cas=row["cas"],
                defaults={
                    "name": row["name"][:300],
                    "formula": row.get("formula") or "",
                    "group": group[:60],
                },
            )
            count += 1
    return count


def load_all() -> dict[str, int]:
    lists = [load_regulated_list(p) for p in sorted((FIXTURES / "lists").glob("*.json"))]
    return {
        "regulated lists (changed)": sum(changed for _, changed in lists),
        "exemptions": load_exemptions(FIXTURES / "exemptions" / "rohs-elv.json"),
        "ODS and F-gas": load_controlled_substances(FIXTURES / "ods-fgas.json"),
    }
