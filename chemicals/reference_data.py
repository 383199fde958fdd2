"""Load the regulated lists, exemptions and ODS / F-gas registers from fixtures/chemicals/."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from chemicals.models import ControlledSubstance, Exemption, GroupMember, RegulatedList, SubstanceGroup

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "chemicals"


class ReferenceDataError(Exception):
    pass


def _read(path: Path) -> tuple[dict[str, Any], str]:
    raw = path.read_bytes()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


def _counted_element(group: dict[str, Any]) -> str:
    numerator = group.get("numerator") or {}
    rule = (group.get("members") or {}).get("element_rule") or {}
    return numerator.get("element") or rule.get("element") or ""


def _member_rows(group: dict[str, Any], db_group: SubstanceGroup, element: str) -> list[GroupMember]:
    rows, seen = [], set()
    for member in (group.get("members") or {}).get("cas", []):
        if member["cas"] in seen:
            continue
        seen.add(member["cas"])
        fractions = member.get("element_mass_fraction") or {}
        rows.append(
            GroupMember(
                group=db_group,
                cas=member["cas"],
                name=member.get("name", "")[:300],
                formula=member.get("formula") or "",
                element_mass_fraction=fractions.get(element) if element else None,
            )
        )
    return rows


@transaction.atomic
def load_regulated_list(path: Path, *, activate_if_none_active: bool = True) -> tuple[RegulatedList, bool]:
    """Load one list file; return (list, changed).

    A file whose bytes were loaded before is skipped. A changed file may replace a draft, but never a
    list that has been active: published versions are immutable, a revision needs a new code.
    """
    data, digest = _read(path)
    existing = RegulatedList.objects.filter(code=data["code"]).first()
    if existing and existing.source_sha256 == digest:
        return existing, False
    if existing and existing.status != RegulatedList.Status.DRAFT:
        raise ReferenceDataError(
            f"{path.name}: list {data['code']} is {existing.status} and cannot change; "
            "give the revision a new code"
        )
    if existing:
        existing.groups.all().delete()
        regulated_list = existing
    else:
        regulated_list = RegulatedList(code=data["code"])
    regulated_list.title = data["title"]
    regulated_list.version = data.get("version", "")
    regulated_list.published = data.get("published", "")
    regulated_list.packaging_rule = data.get("packaging_rule") or {}
    regulated_list.footnotes = data.get("footnotes") or []
    regulated_list.source_sha256 = digest
    regulated_list.save()
    members: list[GroupMember] = []
    for group in data["groups"]:
        element = _counted_element(group)
        db_group = SubstanceGroup.objects.create(
            regulated_list=regulated_list,
            code=group["code"],
            table=group["table"],
            number=group["number"],
            name=group["name"],
            kind=group["kind"],
            basis=group["basis"],
            intentional_use_prohibited=bool(group.get("intentional_use_prohibited")),
            counted_element=element,
            thresholds=group.get("thresholds") or [],
            regions=group.get("regions"),
            legal_references=group.get("legal_references") or [],
            notes=group.get("notes") or {},
            sn_groups=(group.get("members") or {}).get("sn_groups") or [],
        )
        members += _member_rows(group, db_group, element)
    GroupMember.objects.bulk_create(members, batch_size=1000)
    if (
        activate_if_none_active
        and not RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).exists()
    ):
        regulated_list.status = RegulatedList.Status.ACTIVE
        regulated_list.save(update_fields=["status"])
    return regulated_list, True


def _first_expiry(entry: dict[str, Any]) -> date | None:
    dates = sorted(e["date"] for e in entry.get("expiry") or [] if e.get("date"))
    return date.fromisoformat(dates[0]) if dates else None


@transaction.atomic
def load_exemptions(path: Path) -> int:
    data, _ = _read(path)
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
    data, _ = _read(path)
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
