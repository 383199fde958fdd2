from __future__ import annotations

import io

from django.core.management import call_command
from django.test import Client

from suppliers.models import BuyerUnit, Membership, Site, Supplier, User
from suppliers.reference_data import read_fixture


def _counts() -> tuple[int, ...]:
    return (
        BuyerUnit.objects.count(),
        Supplier.objects.count(),
        Site.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    )


def test_seed_demo_is_idempotent_and_prints_logins(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    units, suppliers, sites, users, _ = first
    assert (units, suppliers) == (2, 5) and sites >= 5 and users >= 9
    languages = set(
        User.objects.filter(memberships__supplier__isnull=False).values_list("language", flat=True)
    )
    assert languages == {"en", "ja", "zh-hans"}
    text = out.getvalue()
    assert "admin@sakura.example" in text and "manager@buyer.example" in text
    assert read_fixture("demo/demo.json")["password"] in text


def test_demo_logins_work(db):
    call_command("seed_demo", stdout=io.StringIO())
    password = read_fixture("demo/demo.json")["password"]
    for email, landing in (
        ("admin@sakura.example", "/supplier/"),
        ("manager@buyer.example", "/staff/dashboard/"),
    ):
        client = Client()
        assert client.post("/accounts/login/", {"username": email, "password": password}).status_code == 302
        assert client.get("/").headers["Location"] == landing
