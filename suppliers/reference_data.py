"""Loaders for the versioned reference and demo data under fixtures/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from suppliers.models import BuyerGroup, BuyerUnit, Membership, Site, Supplier, SupplierCategory, User

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def read_fixture(relative: str) -> dict[str, Any]:
    with open(FIXTURES / relative, encoding="utf-8") as fh:
        return json.load(fh)


@transaction.atomic
def load_categories() -> int:
    data = read_fixture("suppliers/categories.json")
    for item in data["categories"]:
        SupplierCategory.objects.update_or_create(code=item["code"], defaults={"names": item["names"]})
    return len(data["categories"])


def _user(spec: dict[str, Any], password: str) -> User:
    user, created = User.objects.get_or_create(
        email=spec["email"],
        defaults={"full_name": spec["full_name"], "language": spec["language"]},
    )
    if created:
        user.set_password(password)
    user.full_name, user.language = spec["full_name"], spec["language"]
    if spec.get("superuser"):
        user.is_staff = user.is_superuser = True
    user.save()
    return user


@transaction.atomic
def load_demo() -> list[tuple[str, str, str]]:
    """Create or update the demo organisation; return (e-mail, role, organisation) for each login.

    Idempotent: rows are matched by natural keys (unit code, DUNS, e-mail), and passwords of
    existing users are left as they are.
    """
    load_categories()
    data = read_fixture("demo/demo.json")
    password = data["password"]
    group, _ = BuyerGroup.objects.get_or_create(name=data["buyer_group"]["name"])
    units = {}
    for spec in data["buyer_units"]:
        units[spec["code"]], _ = BuyerUnit.objects.update_or_create(
            code=spec["code"], defaults={"name": spec["name"], "group": group}
        )
    logins: list[tuple[str, str, str]] = []
    for spec in data["staff"]:
        user = _user(spec, password)
        unit = units.get(spec["unit"]) if spec["unit"] else None
        Membership.objects.get_or_create(user=user, role=spec["role"], buyer_unit=unit, supplier=None)
        logins.append((user.email, spec["role"], unit.name if unit else group.name))
    categories = {c.code: c for c in SupplierCategory.objects.all()}
    for spec in data["suppliers"]:
        supplier, _ = Supplier.objects.update_or_create(
            duns=spec["duns"],
            defaults={k: spec[k] for k in ("legal_name", "local_name", "country", "address")},
        )
        supplier.buyer_units.set([units[code] for code in spec["units"]])
        supplier.categories.set([categories[code] for code in spec["categories"]])
        if supplier.profile_completed_at is None:
            supplier.profile_completed_at = timezone.now()
            supplier.save(update_fields=["profile_completed_at"])
        for site in spec["sites"]:
            Site.objects.update_or_create(
                supplier=supplier,
                name=site["name"],
                defaults={"country": site["country"], "address": site["address"]},
            )
        for user_spec in spec["users"]:
            user = _user(user_spec, password)
            Membership.objects.update_or_create(
                user=user,
                supplier__isnull=False,
                defaults={"supplier": supplier, "role": user_spec["role"], "buyer_unit": None},
            )
            logins.append((user.email, user_spec["role"], supplier.legal_name))
    return logins
