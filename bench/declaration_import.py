"""Reading, checking and storing a large chemSHERPA-AI declaration.

    make bench-declaration                                   # SQLite
    DATABASE_URL=postgres://... make bench-declaration       # the figure that matters

Generates a 10 MiB chemSHERPA-AI file with 20,000 substance entries (tests/chemicals/declaration_files.py,
deterministic), then prints, all measured in this one run:
- lxml's bare parse of the same bytes (etree.fromstring, default parser): the baseline;
- our read (hardened parse + format detection + tree building) and our validation, and their ratio to
  the baseline (best of RUNS; the CAS name table is loaded once before timing, as a worker does at start,
  and the cold first run is printed too);
- the peak memory of a fresh process that reads and validates the file, as a multiple of the file size;
- the time to store the tree in the database (bulk inserts in one transaction) through
  product_tree_store(), on a throw-away test database.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789-abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from lxml import etree  # noqa: E402

from chemicals.composition import count_substances  # noqa: E402
from chemicals.formats.registry import read_upload  # noqa: E402
from chemicals.validation import validate  # noqa: E402
from tests.chemicals.declaration_files import large_ai  # noqa: E402

RUNS = 5
SUBSTANCES = 20_000
SIZE = 10 * 2**20

MEMORY_PROBE = """
import os, resource, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")
import django; django.setup()
from chemicals.formats.registry import read_upload
from chemicals.validation import validate
from chemicals import pypi_chemicals
data = open({path!r}, "rb").read()
pypi_chemicals.lookup("7439-92-1")  # the name table is loaded at worker start, not per file
# A CAS that is in neither identifier table makes the package load its large table now.
pypi_chemicals.lookup("12597-69-2")
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])
# Reset the peak-RSS mark (Linux >= 4.0) so the figure is the read's own peak, not the table load's.
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS:")
result = read_upload(data, name="large.xml")
validate(result.products)
print(before, status("VmHWM:"))
"""


def best(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    data = large_ai(SUBSTANCES, SIZE)
    print(f"file: {len(data) / 2**20:.1f} MiB, generated")

    start = time.perf_counter()
    result = read_upload(data, name="large.xml")
    problems = validate(result.products)
    cold = time.perf_counter() - start
    (product,) = result.products
    assert count_substances(product) == SUBSTANCES, count_substances(product)
    assert not [p for p in problems if p.severity == "error"], problems[:3]

    bare = best(lambda: etree.fromstring(data))
    read = best(lambda: read_upload(data, name="large.xml"))
    check = best(lambda: validate(result.products))
    print(f"lxml bare parse (best of {RUNS}):      {bare * 1000:7.1f} ms")
    print(f"our read (parse + tree):              {read * 1000:7.1f} ms  ({read / bare:.2f}x bare)")
    print(f"our validation:                       {check * 1000:7.1f} ms  ({check / bare:.2f}x bare)")
    total = read + check
    print(f"read + validation: {total * 1000:7.1f} ms ({total / bare:.2f}x bare; target <= 3x)")
    print(f"first run in this process (cold name table): {cold * 1000:.0f} ms")

    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as handle:
        handle.write(data)
        path = Path(handle.name)
    try:
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT), path=str(path))],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    finally:
        path.unlink()
    before_kb, after_kb = int(out[0]), int(out[1])
    peak = (after_kb - before_kb) * 1024
    print(
        f"peak memory of the read (fresh process): {peak / 2**20:.0f} MiB = {peak / len(data):.1f}x the file"
        " (target <= 10x)"
    )

    from chemicals.product_services import product_tree_store
    from suppliers.models import Supplier

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        supplier = Supplier.objects.create(legal_name="Bench Supplier", country="JP")
        times = []
        for _ in range(3):
            start = time.perf_counter()
            product_tree_store(product, supplier=supplier)
            times.append(time.perf_counter() - start)
        print(
            f"store on {connection.vendor} (bulk inserts, one transaction): best {min(times):.2f} s,"
            f" worst {max(times):.2f} s of 3 (target <= 5 s on PostgreSQL)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
