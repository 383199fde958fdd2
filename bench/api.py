"""REST API v1 under load: JSON declarations accepted per second, the worker's backlog, product list pages.

    make bench-api                                # needs wrk (apt-get install -y wrk), PostgreSQL, Redis
    make bench-api BENCH_ARGS="--duration 30 --database-url postgres://postgres@127.0.0.1:5432/other"

The bench writes into its database (seed, declarations) and flushes its Redis database, so it never takes
DATABASE_URL / REDIS_URL from the environment: --database-url / --redis-url (or BENCH_API_DATABASE_URL /
BENCH_API_REDIS_URL) name them, by default portal_bench_api and Redis database 13.

Production shape on this machine: PostgreSQL, gunicorn (sync workers, two per core plus one as in
gunicorn.conf.py), a real Celery worker (`-c 1`) on Redis, and Debian's `wrk` on loopback as the load
tool (Lua scripts build the bodies, the unique Idempotency-Keys and the Authorization header). The API
throttle is raised to API_THROTTLE_RATE (default here 10000000/min) so that the per-key limit does not
cap the figure; throttling itself still runs on every request (one Redis round trip).

Its database is created when missing, migrated and given the reference data; its Redis database is
flushed at the start and the end (the Celery queue must hold only this run's tasks). Products:
`manage.py seed_scale` when that command exists and the database has fewer than --products current
products, else a bulk-insert fallback (products + evaluation rows, no trees). Bench personas and their API
keys (suppliers.services.api_key_create): a group administrator, the procurement manager of the largest
unit, the bench's own supplier that receives the POSTs, and the seeded supplier with the most products as
the reading supplier (with the fallback: a bench supplier with --reader-products products).

Prints, all measured in this one run:
1. POST /api/v1/declarations/ (application/json, the capacitor example of docs/composition-json.md with
   a unique part number and Idempotency-Key per request) while no worker runs: accepted (202) per second,
   p50/p95/p99 latency, errors; then the worker is started and the database polled until every accepted
   declaration is stored or rejected and every stored product evaluated: declarations per second.
2. GET /api/v1/products/?page_size=100 following the `next` cursors, unfiltered and filtered by verdict
   and supplier, with a staff key and a supplier key: p50/p95/p99, pages per second, deepest page.
Each p50 is also given as a multiple of the bare floor of the stack measured in the same run: an
unauthenticated API request answered 401 by DRF (every middleware, no database query). /health/ is not
used as the floor: it pings the Celery workers with a one-second timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/portal_bench_api"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
EXAMPLE = ROOT / "fixtures" / "chemicals" / "examples" / "capacitor.json"
PART_NUMBER = "CAP-100"
POST_TARGET = 200.0
LIST_TARGET_MS = 100.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_API_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_API_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="as gunicorn.conf.py"
    )
    parser.add_argument(
        "--web-threads", type=int, default=1, help="gunicorn --threads (1: sync workers, as deployed)"
    )
    parser.add_argument("--gunicorn-args", default="", help="more gunicorn options, e.g. '--config x.py'")
    parser.add_argument("--throttle", default="10000000/min", help="API_THROTTLE_RATE for the bench")
    parser.add_argument("--duration", type=int, default=20, help="seconds of POST load")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections for the POST load")
    parser.add_argument("--list-duration", type=int, default=10, help="seconds per list scenario")
    parser.add_argument(
        "--list-connections",
        default="1,3",
        help="comma-separated concurrencies for the list (one wrk thread per connection, each "
        "following its own cursor)",
    )
    parser.add_argument("--drain-timeout", type=int, default=900, help="seconds to wait for the worker")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--substances", type=int, default=1_000_000)
    parser.add_argument("--reader-products", type=int, default=5_000)
    parser.add_argument(
        "--seed",
        choices=("auto", "scale", "bulk", "none"),
        default="auto",
        help="auto: seed_scale if it exists, else bulk inserts (only when products are missing)",
    )
    parser.add_argument("--skip-declarations", action="store_true")
    parser.add_argument("--skip-lists", action="store_true")
    parser.add_argument(
        "--skip-drain", action="store_true", help="POST load only; the backlog stays queued (A/B runs)"
    )
    parser.add_argument("--profile", action="store_true", help="always profile one request per endpoint")
    return parser.parse_args()


ARGS = parse_args()
BENCH_ENV = {
    "DATABASE_URL": ARGS.database_url,
    "REDIS_URL": ARGS.redis_url,
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789-abcdef"),
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "API_THROTTLE_RATE": ARGS.throttle,
    "LOG_LEVEL": "WARNING",
}
os.environ.update(BENCH_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")
sys.path.insert(0, str(ROOT))


def ensure_database(url: str) -> str:
    """Create the bench's own database when it does not exist yet (never touches another one)."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    finally:
        admin.close()
    return name


if not ARGS.database_url.startswith("postgres"):
    sys.exit("bench-api measures the production shape: --database-url must point at PostgreSQL")
DB_NAME = ensure_database(ARGS.database_url)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402
from django.utils import timezone  # noqa: E402

from chemicals.models import Declaration, Product, ProductEvaluation, RegulatedList  # noqa: E402
from suppliers.models import ApiKey, BuyerGroup, BuyerUnit, Membership, Supplier, User  # noqa: E402
from suppliers.roles import Role  # noqa: E402
from suppliers.services import api_key_create  # noqa: E402


def manage(*args: str) -> None:
    subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env={**os.environ}, check=True)


def endpoint_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


# --- data -------------------------------------------------------------------------------------------


def seed_scale_exists() -> bool:
    return (ROOT / "procurement_portal" / "management" / "commands" / "seed_scale.py").exists()


VERDICT_MIX = [("compliant", 80), ("non_compliant", 8), ("incomplete", 12)]


def verdict_for(i: int) -> str:
    slot = (i * 37) % 100  # spread the verdicts through the id range, as real uploads are
    for verdict, share in VERDICT_MIX:
        if slot < share:
            return verdict
        slot -= share
    return VERDICT_MIX[0][0]


def bulk_products(supplier_ids: list[int], count: int, prefix: str) -> None:
    """Current products with a verdict and its evaluation row; no trees (the list does not read them)."""
    active = RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).first()
    groups = list(active.groups.filter(table=1).values_list("code", flat=True)) if active else []
    now, today = timezone.now(), timezone.localdate()
    batch = 5000
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(count, start + batch)):
            verdict = verdict_for(i)
            rows.append(
                Product(
                    supplier_id=supplier_ids[i % len(supplier_ids)],
                    part_number=f"{prefix}-{i:07d}",
                    name=f"Bench product {i}",
                    mass_mg=3000,
                    declared_mass="3 g",
                    destination_markets=["EU", "US"],
                    verdict=verdict if active else "",
                    verdict_list=active,
                    evaluated_at=now if active else None,
                )
            )
        Product.objects.bulk_create(rows, batch_size=batch)
        if active:
            ProductEvaluation.objects.bulk_create(
                [
                    ProductEvaluation(
                        product=p,
                        regulated_list=active,
                        as_of=today,
                        verdict=p.verdict,
                        breached_groups=[groups[p.pk % len(groups)]]
                        if p.verdict == "non_compliant" and groups
                        else [],
                        declared_count=4,
                        unknown_count=1 if p.verdict == "incomplete" else 0,
                    )
                    for p in rows
                ],
                batch_size=batch,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def seed(args: argparse.Namespace) -> None:
    current = Product.objects.filter(is_current=True).count()
    if current >= args.products or args.seed == "none":
        print(f"products: {current:,} current products already in {DB_NAME}")
        return
    use_scale = args.seed == "scale" or (args.seed == "auto" and seed_scale_exists())
    started = time.perf_counter()
    if use_scale:
        print(f"seeding with seed_scale ({current:,} current products found) ...", flush=True)
        manage(
            "seed_scale",
            "--suppliers",
            str(args.suppliers),
            "--products",
            str(args.products),
            "--substances",
            str(args.substances),
        )
    else:
        print("seed_scale is not available: bulk-inserting products (fallback) ...", flush=True)
        group, _ = BuyerGroup.objects.get_or_create(name="API bench group")
        units = [
            BuyerUnit.objects.get_or_create(group=group, code=f"apib-{k}", defaults={"name": f"Bench {k}"})[0]
            for k in range(4)
        ]
        suppliers = Supplier.objects.bulk_create(
            Supplier(legal_name=f"API bench supplier {i:05d}", country=("JP", "CN", "DE", "US")[i % 4])
            for i in range(args.suppliers)
        )
        through = Supplier.buyer_units.through
        through.objects.bulk_create(
            through(supplier_id=s.pk, buyerunit_id=units[i % len(units)].pk) for i, s in enumerate(suppliers)
        )
        bulk_products([s.pk for s in suppliers], args.products - current, f"AB{current}")
    print(
        f"seeded in {time.perf_counter() - started:.0f} s: "
        f"{Product.objects.filter(is_current=True).count():,} current products"
    )


def persona(
    email: str, role: str, *, supplier: Supplier | None = None, unit: BuyerUnit | None = None
) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": email.split("@")[0]})
    if created:
        user.set_unusable_password()
        user.save()
    # The organisation may differ from an earlier run's (a reseeded database): follow it.
    Membership.objects.filter(user=user).exclude(role=role, supplier=supplier, buyer_unit=unit).delete()
    Membership.objects.get_or_create(user=user, role=role, supplier=supplier, buyer_unit=unit)
    return user


BENCH_PREFIX = "API bench "


def personas(args: argparse.Namespace) -> dict[str, Any]:
    """Bench users and fresh keys. The writer is the bench's own supplier (it receives the POSTs); the
    reader is the seeded supplier with the most products, so its list pages are real trees."""
    unit = (
        BuyerUnit.objects.annotate(n=Count("suppliers")).order_by("-n", "pk").first()
        if BuyerUnit.objects.exists()
        else None
    )
    if unit is None:
        group = BuyerGroup.objects.create(name="API bench group")
        unit = BuyerUnit.objects.create(group=group, code="apib-0", name="Bench 0")
    writer, created = Supplier.objects.get_or_create(
        legal_name=BENCH_PREFIX + "writer", defaults={"country": "JP"}
    )
    if created:
        writer.buyer_units.add(unit)
    busiest = (
        Product.objects.filter(is_current=True)
        .exclude(supplier__legal_name__startswith=BENCH_PREFIX)
        .values("supplier")
        .annotate(n=Count("pk"))
        .order_by("-n", "supplier")
        .first()
    )
    if busiest is not None and busiest["n"] >= 100:
        reader = Supplier.objects.get(pk=busiest["supplier"])
    else:
        reader, created = Supplier.objects.get_or_create(
            legal_name=BENCH_PREFIX + "reader", defaults={"country": "JP"}
        )
        if created:
            reader.buyer_units.add(unit)
        have = Product.objects.filter(supplier=reader, is_current=True).count()
        if have < args.reader_products:
            bulk_products([reader.pk], args.reader_products - have, f"RD{have}")
    users = {
        "admin": persona("api-bench-admin@bench.example", Role.ADMINISTRATOR),
        "unit": persona("api-bench-unit@bench.example", Role.PROCUREMENT_MANAGER, unit=unit),
        "writer": persona("api-bench-writer@bench.example", Role.SUPPLIER_ADMIN, supplier=writer),
        "reader": persona("api-bench-reader@bench.example", Role.SUPPLIER_ADMIN, supplier=reader),
    }
    # Keys of earlier runs are revoked so that the table holds what a real deployment would.
    ApiKey.objects.filter(created_by__in=users.values(), revoked_at=None).update(revoked_at=timezone.now())
    keys = {
        name: api_key_create(by=user, name=f"bench {name}", scope=ApiKey.Scope.WRITE)[1]
        for name, user in users.items()
    }
    return {"unit": unit, "writer": writer, "reader": reader, "users": users, "keys": keys}


# --- processes --------------------------------------------------------------------------------------


@contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path):
    """Start CMD in its own process group and stop that group (and nothing else) at the end."""
    handle = log.open("wb")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        handle.close()


def wait_until_serving(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """The port opens before the workers have imported Django: wait for real answers, then warm them."""
    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 3 * ARGS.web_workers:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            sys.exit("gunicorn did not start in time")
        try:
            status, _ = get_json(port, "/api/v1/suppliers/", "")
        except OSError:
            time.sleep(0.3)
            continue
        if status == 401:
            answered += 1


def get_json(port: int, path: str, key: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Api-Key {key}"} if key else {})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, json.loads(body) if response.status == 200 else body[:500]


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --- wrk --------------------------------------------------------------------------------------------

LUA_COMMON = r"""
threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local function esc(s)
  return (tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end))
end

function done(summary, latency, requests)
  local totals = {}
  local samples = {}
  for _, t in ipairs(threads) do
    for _, name in ipairs(COUNTERS) do
      totals[name] = (totals[name] or 0) + (t:get(name) or 0)
    end
    local sample = t:get("sample")
    if sample then table.insert(samples, '"' .. esc(sample) .. '"') end
  end
  local parts = {}
  for name, value in pairs(totals) do table.insert(parts, string.format('"%s": %d', name, value)) end
  io.write("WRK-JSON ", string.format(
    '{"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d,'
    .. ' "status_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d,'
    .. ' "mean_us": %.1f, "counters": {%s}, "samples": [%s]}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ", "), table.concat(samples, ", ")))
end
"""

LUA_POST = r"""
COUNTERS = {"accepted", "other"}
local prefix = [==[%(prefix)s]==]
local suffix = [==[%(suffix)s]==]
local run = "%(run)s"
local n = 0

function init(args)
  accepted = 0
  other = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Api-Key %(key)s"
end

function request()
  n = n + 1
  local pn = run .. "-" .. tid .. "-" .. n
  wrk.headers["Idempotency-Key"] = pn
  return wrk.format(nil, "%(path)s", nil, prefix .. pn .. suffix)
end

function response(status, headers, body)
  if status == 202 then
    accepted = accepted + 1
  else
    other = other + 1
    if sample == nil then sample = status .. " " .. string.sub(body, 1, 300) end
  end
end
"""

LUA_GET = r"""
COUNTERS = {"ok", "other", "pages_deep", "wraps"}
local start = "%(path)s"

function init(args)
  ok = 0
  other = 0
  pages_deep = 0
  wraps = 0
  depth = 0
  nextpath = start
  wrk.headers["Authorization"] = "Api-Key %(key)s"
end

function request()
  return wrk.format("GET", nextpath)
end

function response(status, headers, body)
  if status ~= 200 then
    other = other + 1
    if sample == nil then sample = status .. " " .. string.sub(body, 1, 300) end
    nextpath = start
    depth = 0
    return
  end
  ok = ok + 1
  local nxt = string.match(body, '"next":"([^"]*)"')
  if nxt then
    nextpath = string.gsub(nxt, "^https?://[^/]+", "")
    depth = depth + 1
    if depth > pages_deep then pages_deep = depth end
  else
    nextpath = start
    depth = 0
    wraps = wraps + 1
  end
end
"""


def run_wrk(script: str, *, url: str, connections: int, threads: int, seconds: int, workdir: Path) -> dict:
    path = workdir / f"wrk-{time.monotonic_ns()}.lua"
    path.write_text(script)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(path),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK-JSON "))
    result = json.loads(line[len("WRK-JSON ") :])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = (
        result["connect_errors"]
        + result["read_errors"]
        + result["write_errors"]
        + result["timeouts"]
        + result["counters"].get("other", 0)
    )
    return result


def machine_load() -> str:
    """Other work on this machine skews every figure: print the 1-minute load next to them."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def ms(us: float) -> str:
    return f"{us / 1000:7.1f} ms"


def wrk_get(base: str, path: str, key: str, *, connections: int, seconds: int, workdir: Path) -> dict:
    script = LUA_COMMON + LUA_GET % {
        "path": path,
        "key": key,
    }
    return run_wrk(
        script, url=base, connections=connections, threads=connections, seconds=seconds, workdir=workdir
    )


def floor(base: str, workdir: Path, connections: int) -> dict:
    """The stack's floor: DRF refuses a request without credentials (401), no database query."""
    script = (
        LUA_COMMON
        + r"""
COUNTERS = {"unauthorized", "other"}
function init(args) unauthorized = 0 other = 0 end
function request() return wrk.format("GET", "/api/v1/suppliers/") end
function response(status, headers, body)
  if status == 401 then unauthorized = unauthorized + 1 else other = other + 1 end
end
"""
    )
    return run_wrk(
        script, url=base, connections=connections, threads=min(connections, 2), seconds=5, workdir=workdir
    )


# --- phase 1: declarations --------------------------------------------------------------------------


def post_script(key: str, run: str) -> str:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert document["product"]["part_number"] == PART_NUMBER
    compact = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    marker = f'"part_number":"{PART_NUMBER}"'
    assert compact.count(marker) == 1
    head, tail = compact.split(marker)
    return LUA_COMMON + LUA_POST % {
        "prefix": head + '"part_number":"',
        "suffix": '"' + tail,
        "run": run,
        "key": key,
        "path": "/api/v1/declarations/",
    }


def declarations(base: str, ctx: dict, workdir: Path, worker_cmd: list[str], worker_env: dict) -> dict:
    writer = ctx["writer"]
    key = ctx["keys"]["writer"]
    size = len(json.dumps(json.loads(EXAMPLE.read_text()), separators=(",", ":")).encode())
    print(
        f"\n1) POST /api/v1/declarations/: JSON composition tree ({EXAMPLE.name}, {size} bytes compact),"
        " unique"
        " part number and Idempotency-Key per request; no worker running during the load"
        f" ({machine_load()} before)"
    )
    run = f"B{int(time.time())}"
    # Warm-up, not reported: each worker's first POST opens its PostgreSQL, Redis and broker connections
    # and loads the code paths the 401 warm-up of the floor never touched.
    run_wrk(
        post_script(key, run + "w"),
        url=base,
        connections=ARGS.connections,
        threads=2,
        seconds=2,
        workdir=workdir,
    )
    before = Declaration.objects.filter(supplier=writer).aggregate(m=Max("pk"))["m"] or 0
    # A short unloaded run first: the latency of one request with nothing queued in front of it.
    single = run_wrk(
        post_script(key, run + "s"), url=base, connections=1, threads=1, seconds=5, workdir=workdir
    )
    load = run_wrk(
        post_script(key, run),
        url=base,
        connections=ARGS.connections,
        threads=2,
        seconds=ARGS.duration,
        workdir=workdir,
    )
    accepted = single["counters"].get("accepted", 0) + load["counters"].get("accepted", 0)
    rows = Declaration.objects.filter(supplier=writer, pk__gt=before)
    # wrk stops reading at the deadline; requests already inside gunicorn still commit: wait for them.
    stored_rows = -1
    while stored_rows != rows.count():
        stored_rows = rows.count()
        time.sleep(1)
    accepted_rate = load["counters"].get("accepted", 0) / (load["duration_us"] / 1e6)
    verdict = "meets" if accepted_rate >= POST_TARGET and not load["errors"] else "MISSES"
    print(
        f"   1 connection, {single['duration_us'] / 1e6:.0f} s:  {single['rate']:6.1f} req/s,"
        f" p50 {ms(single['p50_us'])}"
        f"  p95 {ms(single['p95_us'])}  p99 {ms(single['p99_us'])}  errors {single['errors']}"
    )
    print(
        f"   {ARGS.connections} connections, {load['duration_us'] / 1e6:.0f} s: accepted (202) "
        f"{accepted_rate:6.1f}/s  "
        f"(target >= {POST_TARGET:.0f}/s: {verdict}), p50 {ms(load['p50_us'])}  p95 {ms(load['p95_us'])}"
        f"  p99 {ms(load['p99_us'])}  max {ms(load['max_us'])}, errors {load['errors']}"
    )
    for sample in single["samples"] + load["samples"]:
        print(f"   first non-202 answer: {sample}")
    print(
        f"   202 answers read by wrk {accepted:,}; declaration rows created {stored_rows:,}"
        f" ({stored_rows - accepted:,} answered after wrk's deadline)"
    )
    if stored_rows < accepted:
        print("   !! fewer rows than 202 answers")

    if ARGS.skip_drain:
        return {"single": single, "load": load, "drain": {}}
    # Phase 1b: the real worker drains the backlog; progress comes from the database, the source of truth.
    queued = rows.count()
    finished = (Declaration.Status.STORED, Declaration.Status.REJECTED, Declaration.Status.FAILED)
    print(
        f"   starting the worker ({' '.join(worker_cmd[1:])}) on a backlog of {queued:,} declarations ...",
        flush=True,
    )
    drain: dict[str, Any] = {}
    log = workdir / "worker.log"
    started = time.perf_counter()
    with process(worker_cmd, worker_env, log) as worker:
        deadline = started + ARGS.drain_timeout
        last_report = started
        while True:
            time.sleep(1)
            done = rows.filter(status__in=finished).count()
            products = Product.objects.filter(declaration__in=rows)
            evaluated = products.exclude(evaluated_at=None).count()
            stored = rows.filter(status=Declaration.Status.STORED).count()
            now = time.perf_counter()
            if now - last_report >= 15:
                print(
                    f"   ... {now - started:5.0f} s: {done:,}/{queued:,} read, {evaluated:,} evaluated",
                    flush=True,
                )
                last_report = now
            if (done == queued and evaluated >= stored) or now > deadline or worker.poll() is not None:
                break
        wall = time.perf_counter() - started
    status_counts = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    span = rows.aggregate(first=Min("started_at"), last=Max("finished_at"))
    last_eval = Product.objects.filter(declaration__in=rows).aggregate(m=Max("evaluated_at"))["m"]
    verdicts = dict(
        Product.objects.filter(declaration__in=rows)
        .values_list("verdict")
        .annotate(n=Count("pk"))
        .values_list("verdict", "n")
    )
    print(f"   worker: {status_counts}, verdicts {verdicts}")
    if span["first"] and last_eval:
        busy = (max(last_eval, span["last"]) - span["first"]).total_seconds()
        print(
            f"   backlog of {queued:,} processed in {wall:.1f} s wall (worker start included): "
            f"{queued / wall:.1f} declarations/s; from the first claim to the last verdict (database "
            f"timestamps) {busy:.1f} s: {queued / busy:.1f} declarations/s read + stored + evaluated"
        )
        drain = {"wall": wall, "busy": busy}
    if done != queued or evaluated < stored:
        print(f"   !! not finished: {done:,}/{queued:,} read, {evaluated:,}/{stored:,} evaluated; see {log}")
    return {"single": single, "load": load, "drain": drain}


# --- phase 2: product lists -------------------------------------------------------------------------


def product_lists(base: str, ctx: dict, workdir: Path, floor_p50: dict[int, float]) -> list[dict]:
    reader, unit = ctx["reader"], ctx["unit"]
    keys = ctx["keys"]
    total = Product.objects.filter(is_current=True).count()
    in_unit = Product.objects.filter(is_current=True, supplier__buyer_units=unit).count()
    page = "/api/v1/products/?page_size=100"
    scenarios = [
        ("group staff, all", keys["admin"], page, total),
        ("group staff, verdict=non_compliant", keys["admin"], page + "&verdict=non_compliant", None),
        (
            f"group staff, supplier={reader.pk}",
            keys["admin"],
            page + f"&supplier={reader.pk}",
            Product.objects.filter(supplier=reader, is_current=True).count(),
        ),
        (f"unit staff ({unit.code}), all", keys["unit"], page, in_unit),
        ("unit staff, verdict=incomplete", keys["unit"], page + "&verdict=incomplete", None),
        (
            "supplier key, all",
            keys["reader"],
            page,
            Product.objects.filter(supplier=reader, is_current=True).count(),
        ),
        ("supplier key, verdict=non_compliant", keys["reader"], page + "&verdict=non_compliant", None),
    ]
    status, body = get_json(ARGS.port, page, keys["admin"])
    if status != 200:
        print(f"   !! GET {page} as staff: {status} {body!r}")
        return []
    print(
        f"\n2) GET {page}, following the cursors ({total:,} current products; one wrk thread per"
        f" connection; {machine_load()} before)"
    )
    print(
        f"   first page as group staff: {len(body.get('results', []))} items,"
        f" next cursor {'yes' if body.get('next') else 'no'}"
    )
    results = []
    concurrencies = [int(c) for c in ARGS.list_connections.split(",")]
    for label, key, path, rows in scenarios:
        for connections in concurrencies:
            r = wrk_get(
                base,
                path,
                key,
                connections=connections,
                seconds=ARGS.list_duration,
                workdir=workdir,
            )
            ok = r["counters"].get("ok", 0)
            verdict = "ok" if r["p95_us"] / 1000 < LIST_TARGET_MS else "MISSES"
            if not ok:  # wrk saw no complete answer before its deadline: the figures are empty
                verdict = "NO ANSWER within the run"
            ratio = r["p50_us"] / floor_p50[connections] if connections in floor_p50 else float("nan")
            print(
                f"   {label:<38} c={connections}: p50 {ms(r['p50_us'])} p95 {ms(r['p95_us'])} ({verdict})"
                f" p99 {ms(r['p99_us'])}  {r['rate']:6.1f} pages/s"
                f"  deepest page {r['counters'].get('pages_deep', 0) + 1:4d}"
                f"  wraps {r['counters'].get('wraps', 0)}  n {ok}  errors {r['errors']}"
                f"  p50/floor {ratio:5.1f}x" + (f"  [{rows:,} rows]" if rows is not None else "")
            )
            for sample in r["samples"]:
                print(f"      first non-200 answer: {sample}")
            results.append(
                {"label": label, "path": path, "key": key, "connections": connections, **r, "ok": ok}
            )
    return results


# --- profiling --------------------------------------------------------------------------------------


def profile(label: str, method: str, path: str, key: str, body: Callable[[], bytes] | None = None) -> None:
    """One request in this process through the full middleware: its queries and its hottest functions."""
    import cProfile
    import pstats

    from django.db import reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    call = (
        (lambda: client.get(path))
        if method == "GET"
        else (
            lambda: client.post(
                path,
                data=body(),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"prof-{time.time_ns()}",
            )
        )
    )
    call()  # warm: URL resolver, first connection, translations
    reset_queries()
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profiler.enable()
        response = call()
        profiler.disable()
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(
        f"\n   profile {label}: in-process median {statistics.median(timings):.1f} ms, status "
        f"{response.status_code}, {len(queries.captured_queries)} queries, {sql_ms:.1f} ms in SQL"
    )
    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:4]:
        print(f"     {float(q['time']) * 1000:6.1f} ms  {q['sql'][:220]}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative")
    rows = []
    for func, (_cc, _nc, tt, ct, _callers) in stats.stats.items():
        filename, line, name = func
        if "/site-packages/" in filename and not any(
            p in filename for p in ("rest_framework", "django_filters")
        ):
            continue
        rows.append((ct, tt, f"{Path(filename).name}:{line} {name}"))
    for ct, tt, where in sorted(rows, reverse=True)[:12]:
        print(f"     cum {ct * 1000:6.1f} ms  self {tt * 1000:6.1f} ms  {where}")


# --- main -------------------------------------------------------------------------------------------


def analyze() -> None:
    """Fresh planner statistics before measuring, as autovacuum keeps them in production. Each run adds
    thousands of declarations to one supplier; with autovacuum off (as on this machine's server) the
    planner still believes that supplier has a handful and reads every one of its declarations to find
    a duplicate (13 ms instead of 0.1 ms at 34,000 rows)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        started = time.perf_counter()
        cursor.execute("ANALYZE")
    print(f"ANALYZE in {time.perf_counter() - started:.1f} s (the server's autovacuum is {autovacuum})")


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    kind = "sync" if ARGS.web_threads == 1 else f"{ARGS.web_threads} threads each"
    kind += f" {ARGS.gunicorn_args}" if ARGS.gunicorn_args else ""
    print(
        f"database {DB_NAME} (PostgreSQL), Redis {ARGS.redis_url} (flushed), gunicorn -w {ARGS.web_workers}"
        f" ({kind}), Celery worker -c 1, load tool: wrk (Lua), API_THROTTLE_RATE={ARGS.throttle} (raised"
        f" for the bench), {os.cpu_count()} CPUs"
    )
    manage("migrate", "--no-input", "-v", "0")
    manage("load_reference_data")
    seed(ARGS)
    ctx = personas(ARGS)
    flush_redis(ARGS.redis_url)
    analyze()

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    web_env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(workdir / "media"),
    }
    base = f"http://127.0.0.1:{ARGS.port}"
    gunicorn = [
        str(VENV_BIN / "gunicorn"),
        "procurement_portal.wsgi",
        "-w",
        str(ARGS.web_workers),
        "-b",
        f"127.0.0.1:{ARGS.port}",
        *(["--threads", str(ARGS.web_threads)] if ARGS.web_threads > 1 else []),
        *shlex.split(ARGS.gunicorn_args),
    ]
    worker_cmd = [
        str(VENV_BIN / "celery"),
        "-A",
        "procurement_portal",
        "worker",
        "-c",
        "1",
        "--loglevel",
        "WARNING",
    ]
    try:
        with process(gunicorn, web_env, workdir / "gunicorn.log") as web:
            wait_until_serving(ARGS.port, web, workdir / "gunicorn.log")
            concurrencies = sorted({1, ARGS.connections, *(int(c) for c in ARGS.list_connections.split(","))})
            floors = {c: floor(base, workdir, c) for c in concurrencies}
            print(
                "floor (GET /api/v1/suppliers/ without a key -> 401): "
                + ", ".join(
                    f"c={c} p50 {f['p50_us'] / 1000:.1f} ms ({f['rate']:.0f}/s)" for c, f in floors.items()
                )
                + f"; {machine_load()}"
            )
            floor_p50 = {c: f["p50_us"] for c, f in floors.items()}
            post = None
            if ARGS.skip_declarations:
                pass
            elif endpoint_exists("/api/v1/declarations/"):
                post = declarations(base, ctx, workdir, worker_cmd, web_env)
                p50 = post["load"]["p50_us"]
                print(
                    f"   POST p50 / floor p50 at {ARGS.connections} connections:"
                    f" {p50 / floor_p50[ARGS.connections]:.1f}x;"
                    " unloaded POST p50 / floor p50 at 1 connection:"
                    f" {post['single']['p50_us'] / floor_p50[1]:.1f}x"
                )
            else:
                print("\n1) /api/v1/declarations/ does not exist yet: skipped")
            lists: list[dict] = []
            if ARGS.skip_lists:
                pass
            elif endpoint_exists("/api/v1/products/"):
                lists = product_lists(base, ctx, workdir, floor_p50)
            else:
                print(
                    "\n2) /api/v1/products/ does not exist yet; harness check on /api/v1/suppliers/ instead:"
                )
                for connections in (1, 3):
                    r = wrk_get(
                        base,
                        "/api/v1/suppliers/?page_size=100",
                        ctx["keys"]["admin"],
                        connections=connections,
                        seconds=5,
                        workdir=workdir,
                    )
                    print(
                        f"   suppliers list as group staff c={connections}: p50 {ms(r['p50_us'])}"
                        f" p95 {ms(r['p95_us'])} p99 {ms(r['p99_us'])} {r['rate']:.1f} pages/s"
                        f" deepest {r['counters'].get('pages_deep', 0) + 1}"
                        f" errors {r['errors']}"
                    )
            slow = [r for r in lists if r["p95_us"] / 1000 >= LIST_TARGET_MS]
            if ARGS.profile or slow:
                print("\nprofiles (one request in this process, Django test client, same database):")
                seen = set()
                for r in slow or lists[:1]:
                    if r["path"] not in seen:
                        seen.add(r["path"])
                        profile(r["label"], "GET", r["path"], r["key"])
                if ARGS.profile and post is not None:
                    template = EXAMPLE.read_text(encoding="utf-8")
                    profile(
                        "POST declaration (a new part number each time: 202)",
                        "POST",
                        "/api/v1/declarations/",
                        ctx["keys"]["writer"],
                        lambda: template.replace(PART_NUMBER, f"PROF-{time.time_ns()}").encode(),
                    )
            errors = (workdir / "gunicorn.log").read_text(errors="replace")
            if "Traceback" in errors:
                print(
                    "\n!! gunicorn logged tracebacks; first one:\n"
                    + errors[errors.index("Traceback") :][:2000]
                )
    finally:
        flush_redis(ARGS.redis_url)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
