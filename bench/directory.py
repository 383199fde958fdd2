"""Staff supplier directory and exports at scale.

    make bench-directory                      # SQLite
    DATABASE_URL=postgres://... make bench-directory

Builds a throw-away test database (test_<name>), fills it with N suppliers (2 sites and 1 user each,
spread over two buyer units), and times the directory page, its filters and the exports through
Django's test client (full middleware, templates, tenancy rule). Prints p50/p95 per case, the query
count, and the ratio of the 10,000-supplier timings to the 100-supplier ones measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789-abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from suppliers.models import BuyerGroup, BuyerUnit, Membership, Site, Supplier, User  # noqa: E402
from suppliers.roles import Role  # noqa: E402

# Bench users never log in with a password (the client uses force_login).
NO_LOGIN = make_password(None)
SIZES = (100, 10_000)
RUNS = 25
COUNTRIES = ("JP", "CN", "DE", "US", "VN", "TH", "KR", "MX")


def populate(count: int, units: list[BuyerUnit]) -> None:
    start = Supplier.objects.count()
    suppliers = Supplier.objects.bulk_create(
        Supplier(
            legal_name=f"Supplier {start + i:05d} Co., Ltd.",
            local_name=f"供应商 {start + i:05d}",
            country=COUNTRIES[i % len(COUNTRIES)],
            duns=f"{700000000 + start + i}",
        )
        for i in range(count)
    )
    through = Supplier.buyer_units.through
    through.objects.bulk_create(
        through(supplier_id=s.pk, buyerunit_id=units[i % 2].pk) for i, s in enumerate(suppliers)
    )
    Site.objects.bulk_create(
        Site(supplier=s, name=f"Plant {k}", country=s.country) for s in suppliers for k in (1, 2)
    )
    users = User.objects.bulk_create(
        User(email=f"user{s.pk}@bench.example", password=NO_LOGIN) for s in suppliers
    )
    Membership.objects.bulk_create(
        Membership(user=u, supplier=s, role=Role.SUPPLIER_ADMIN)
        for u, s in zip(users, suppliers, strict=True)
    )


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    timings, queries, size = [], 0, 0
    for _ in range(RUNS):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries, size = len(connection.queries), len(response.content)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries, size


CASES = [
    ("directory, first page", "/staff/suppliers/"),
    ("directory, search", "/staff/suppliers/?q=Supplier+0004"),
    ("directory, country + sort by sites", "/staff/suppliers/?country=JP&sort=-sites"),
    ("directory, page 20", "/staff/suppliers/?page=20"),
]


def main() -> None:
    setup_test_environment()
    settings.DEBUG = True  # counts queries; templates and middleware are the production ones
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        group = BuyerGroup.objects.create(name="Bench")
        units = [BuyerUnit.objects.create(group=group, code=f"u{i}", name=f"Unit {i}") for i in (1, 2)]
        manager = User.objects.create(email="manager@bench.example", password=NO_LOGIN)
        Membership.objects.create(user=manager, role=Role.PROCUREMENT_MANAGER, buyer_unit=units[0])
        admin = User.objects.create(email="admin@bench.example", password=NO_LOGIN)
        Membership.objects.create(user=admin, role=Role.ADMINISTRATOR)
        client = Client()
        client.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
        admin_client = Client()
        admin_client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        print(f"database: {connection.vendor}, {RUNS} requests per case, manager sees half of the suppliers")
        results: dict[tuple[str, int], float] = {}
        for size in SIZES:
            started = time.perf_counter()
            populate(size - Supplier.objects.count(), units)
            print(f"\n{size:,} suppliers (populated in {time.perf_counter() - started:.1f} s)")
            for label, url in CASES:
                p50, p95, queries, _ = measure(client, url)
                results[(label, size)] = p50
                print(f"  {label:<38} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:2d} queries")
            for fmt in ("csv", "xlsx"):
                started = time.perf_counter()
                response = admin_client.get(f"/staff/suppliers/export.{fmt}")
                elapsed = time.perf_counter() - started
                results[(fmt, size)] = elapsed * 1000
                print(
                    f"  export all as {fmt:<4} ({size:,} rows)            {elapsed * 1000:8.1f} ms  "
                    f"{len(response.content) / 1024:8.0f} KiB"
                )
        small, large = SIZES
        print(f"\nratio p50 at {large:,} / at {small:,} suppliers (same run):")
        for label, _ in CASES:
            print(f"  {label:<38} {results[(label, large)] / results[(label, small)]:5.2f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
