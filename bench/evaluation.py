"""Compliance evaluation: the pure engine's throughput and a full re-evaluation on PostgreSQL.

    make bench-evaluation                     # pure figures only (SQLite: the re-evaluation is skipped)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_eval \
    REDIS_URL=redis://127.0.0.1:6379/7 make bench-evaluation

Prints, all measured in this one run:
- the pure evaluation of one product with 100,000 substance entries (a realistic mix: most entries in no
  group, some in Table 1 / Table 2, the undisclosed rest), entries per second on one core, best of RUNS,
  and the ratio to a bare walk over the same entries (the floor any evaluator pays);
- re-evaluating 1,000,000 stored substance entries (10,000 products x 100) after a list activation, on
  PostgreSQL with two real Celery workers (prefork, one process each) through Redis: wall time from
  enqueueing the batches to the run's "done", and entries per second. The data is written into the database
  named by DATABASE_URL (created if missing) and removed afterwards.
- certificate rendering (WeasyPrint, warm): the median of 1-product and of 50-product certificates.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789-abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from chemicals import composition as tree  # noqa: E402
from chemicals import pypi_chemicals  # noqa: E402
from chemicals.evaluation import evaluate  # noqa: E402
from chemicals.rules import rules_from_files  # noqa: E402

RUNS = 3
FIXTURES = ROOT / "fixtures" / "chemicals"
# (CAS, name, mg in a 1 g material): iron, copper, tin, aluminium, zinc, titanium dioxide, silica, carbon
# black (no group); nickel (T2-4), lead at 50 ppm (T1-3, OK), DEHP at 20 ppm (T1-19, OK), PVC (T2-7); the
# undisclosed rest.
MIX = [
    ("7439-89-6", "Iron", "300"),
    ("7440-50-8", "Copper", "200"),
    ("7440-31-5", "Tin", "50"),
    ("7429-90-5", "Aluminium", "100"),
    ("7440-66-6", "Zinc", "50"),
    ("13463-67-7", "Titanium dioxide", "40"),
    ("7631-86-9", "Silica", "40"),
    ("7440-02-0", "Nickel", "20"),
    ("7439-92-1", "Lead", "0.05"),
    ("117-81-7", "DEHP", "0.02"),
    ("9002-86-2", "PVC", "100"),
    ("", "Other", "99.93"),
]


def synthetic_product(entries: int) -> tree.Product:
    per_material = len(MIX)
    materials = entries // per_material
    parts = []
    for p in range(materials // 10):
        mats = [
            tree.Material(
                f"Material {p}.{m}",
                mass_mg=Decimal(1000),
                substances=[tree.Substance(cas, name, mass_mg=Decimal(mg)) for cas, name, mg in MIX],
            )
            for m in range(10)
        ]
        parts.append(tree.Part(f"Part {p}", mass_mg=Decimal(10_000), materials=mats))
    return tree.Product("BENCH", name="Bench product", mass_mg=Decimal(10_000) * len(parts), parts=parts)


def pure() -> None:
    rules = rules_from_files(FIXTURES / "lists" / "gpg-13.0.json", FIXTURES)
    product = synthetic_product(100_000)
    n = tree.count_substances(product)
    for cas, _name, _mg in MIX:
        pypi_chemicals.lookup(cas)  # loaded at worker start, as in production
    evaluate(product, rules, django.utils.timezone.localdate())  # warm the membership cache

    def bare() -> int:
        count = 0
        for _part, _units, _depth in tree.walk_parts(product.parts):
            for material in _part.materials:
                for substance in material.substances:
                    count += substance.identifier is not None
        return count

    def best(fn) -> float:
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    ours = best(lambda: evaluate(product, rules, django.utils.timezone.localdate()))
    floor = best(bare)
    result = evaluate(product, rules, django.utils.timezone.localdate())
    print(
        f"pure evaluation: {n:,} entries in {ours * 1000:.0f} ms = {n / ours:,.0f} entries/s on one core"
        f" (target >= 100,000/s); {len(result.findings):,} findings, verdict {result.verdict}"
    )
    print(
        f"  bare walk over the same entries: {floor * 1000:.1f} ms; evaluation / walk = {ours / floor:.1f}x"
    )


PRODUCTS, PER_PRODUCT = 10_000, 100


def _ensure_database() -> None:
    """Create the database named by DATABASE_URL if it does not exist, and migrate it."""
    import psycopg2
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"]
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    admin.close()
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)


def _seed(supplier) -> list[int]:
    """10,000 submitted products of 10 materials x 10 substances, written with COPY (seconds, not minutes)."""
    import io

    from django.db import connection, transaction

    from chemicals.models import Material, Product

    pool = [m for m in MIX if m[0]][: PER_PRODUCT // 10]
    with transaction.atomic():
        products = Product.objects.bulk_create(
            [
                Product(
                    supplier=supplier,
                    part_number=f"BENCH-{i:05d}",
                    name=f"Bench part {i}",
                    mass_mg=Decimal(10_000),
                )
                for i in range(PRODUCTS)
            ],
            batch_size=2000,
        )
        materials = Material.objects.bulk_create(
            [
                Material(product=p, name=f"Material {m}", mass_mg=Decimal(1000), position=m)
                for p in products
                for m in range(PER_PRODUCT // len(pool))
            ],
            batch_size=5000,
        )
        buffer = io.StringIO()
        for material in materials:
            for position, (cas, name, mg) in enumerate(pool):
                buffer.write(
                    f"{material.product_id}\t{material.pk}\t{position}\t{cas}\t{cas}\t{name}\t{mg}\t{mg}\t"
                    "[]\t\t\t\n"
                )
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                "COPY chemicals_substanceentry (product_id, material_id, position, identifier, cas, name,"
                " mass_mg, product_mass_mg, exemptions, comment, description_of_use, location) FROM STDIN",
                buffer,
            )
    return [p.pk for p in products]


def _start_workers(count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    workers = []
    for n in range(count):
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "procurement_portal",
                    "worker",
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"bench{n}@%h",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    from procurement_portal.celery import app

    deadline = time.monotonic() + 60
    names = [f"bench{n}@{os.uname().nodename}" for n in range(count)]
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=names, timeout=1.0) or []
        if len(replies) == count:
            return workers
    raise SystemExit("the workers did not answer within 60 s")


def reevaluation() -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") or not settings.REDIS_URL:
        print("re-evaluation: skipped (needs DATABASE_URL on PostgreSQL and REDIS_URL)")
        return
    from chemicals import evaluation_services
    from chemicals.evaluation_selectors import active_list
    from chemicals.models import ReevaluationRun
    from chemicals.tasks import reevaluate_batch
    from procurement_portal.celery import app
    from suppliers.models import Supplier

    _ensure_database()
    app.conf.task_always_eager = False
    supplier = Supplier.objects.create(legal_name="Bench evaluation supplier", country="JP")
    workers: list[subprocess.Popen] = []
    try:
        start = time.perf_counter()
        ids = _seed(supplier)
        print(
            f"seeded {len(ids):,} products, {len(ids) * PER_PRODUCT:,} substance entries in"
            f" {time.perf_counter() - start:.1f} s (COPY)"
        )
        app.control.purge()
        workers = _start_workers(2)
        regulated_list = active_list()
        run, batches = evaluation_services.reevaluation_start(
            regulated_list, previous=regulated_list, by=None
        )
        start = time.perf_counter()
        for index, batch in enumerate(batches):
            reevaluate_batch.delay(run.pk, index, batch)
        while True:
            run.refresh_from_db()
            if run.status == ReevaluationRun.Status.DONE:
                break
            time.sleep(0.2)
        wall = time.perf_counter() - start
        entries = run.total * PER_PRODUCT
        print(
            f"re-evaluation of {entries:,} stored entries"
            f" ({run.total:,} products, {run.batches_total} batches)"
        )
        print(f"  2 workers on PostgreSQL: {wall:.1f} s = {entries / wall:,.0f} entries/s (target <= 120 s)")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        ReevaluationRun.objects.filter(total__gte=PRODUCTS).delete()
        supplier.delete()


def certificates() -> None:
    """Median warm WeasyPrint render of a 1-product and a 50-product certificate (ja, with Noto CJK)."""
    import logging
    import statistics

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    from django.db import connection
    from django.utils import timezone

    from chemicals.models import Product, ProductEvaluation
    from chemicals.reference_data import load_all
    from compliance.certificate_pdf import certificate_pdf
    from compliance.certificate_services import certificate_request, certificate_sign
    from suppliers.models import BuyerGroup, BuyerUnit, Membership, Supplier, User
    from suppliers.roles import Role

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        load_all()
        unit = BuyerUnit.objects.create(
            group=BuyerGroup.objects.create(name="Bench Group"), code="u", name="Unit"
        )
        supplier = Supplier.objects.create(legal_name="Bench Supplier", local_name="ベンチ電子", country="JP")
        supplier.buyer_units.set([unit])
        user = User.objects.create_user(email="bench@supplier.example", password="x" * 16, language="ja")
        Membership.objects.create(user=user, role=Role.SUPPLIER_ADMIN, supplier=supplier)
        from chemicals.evaluation_selectors import active_list

        current = active_list()
        products = [
            Product.objects.create(
                supplier=supplier,
                part_number=f"CERT-{i:03d}",
                name=f"部品 {i}",
                verdict="compliant",
                verdict_list=current,
                evaluated_at=timezone.now(),
            )
            for i in range(50)
        ]
        ProductEvaluation.objects.bulk_create(
            [
                ProductEvaluation(
                    product=p, regulated_list=current, as_of=timezone.localdate(), verdict="compliant"
                )
                for p in products
            ]
        )

        def certificate(items):
            made = certificate_request(
                by=user, supplier=supplier, product_ids=[p.pk for p in items], language="ja"
            )
            return certificate_sign(
                certificate=made,
                by=user,
                signer_name="田中 愛子",
                signer_title="品質保証部長",
                confirmed=True,
                ip="127.0.0.1",
                user_agent="bench",
            )

        for label, items in (("1 product", products[:1]), ("50 products", products)):
            made = certificate(items)
            certificate_pdf(made)  # warm: fonts and templates loaded
            times = []
            for _ in range(7):
                start = time.perf_counter()
                data = certificate_pdf(made)
                times.append(time.perf_counter() - start)
            target = "1 s" if len(items) == 1 else "3 s"
            print(
                f"certificate PDF, {label} (ja), median of 7 warm: {statistics.median(times) * 1000:.0f} ms"
                f" ({len(data) / 1024:.0f} KiB; target <= {target})"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    pure()
    reevaluation()
    certificates()
