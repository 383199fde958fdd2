"""The dashboards under load: 10 concurrent users against gunicorn on a seeded PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_scale make bench-dashboards
    DATABASE_URL=... .venv/bin/python bench/dashboards.py --seed --requests 300   # seed first if empty

The database must hold a seed_scale data set (10,000 suppliers / 100,000 products / 1,000,000 substance
rows by default); with --seed the bench builds one when none is there. It then starts gunicorn
(`procurement_portal.wsgi`, sync workers, two per core plus one as gunicorn.conf.py, DEBUG=0) on a free
port, logs the known scale users in through the login form (CSRF token, session cookie), and for each
page drives USERS concurrent sessions (one thread and one keep-alive connection each) until REQUESTS
requests are done, after WARMUP requests per session. It prints per page the p50 of one user alone (the
page's own cost), p50 / p95 / p99 latency under load, requests per second and failures, the queries one
request runs (Django test client, same database), and the targets: staff dashboard p95 < 300 ms,
supplier pages p95 < 200 ms.

Two runs by default, one table each. Users: each of the USERS sessions pauses between its requests
(uniformly 0-2 s, 1 s on average), as people reading a page do; that is what "10 concurrent users" are
and what the targets are judged on (real users read for far longer than a second). Stress: the same
sessions send their requests back to back, ten requests always in flight, the worst case: with N in
flight on C cores a page costing S ms of CPU waits about N x S / C ms. --think T runs one of them only
(0: stress).

Pages (their URL names are fixed; a page that does not exist yet is reported and skipped):
staff:dashboard as the group administrator and as the unit manager, staff:supplier_detail for random
suppliers, supplier:home as the supplier user, and staff:supplier_directory as the existing baseline.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789-abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import warnings  # noqa: E402

import django  # noqa: E402

# collectstatic has not run in a checkout; whitenoise says so once per process.
QUIET = "ignore:No directory at:UserWarning"
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from chemicals.models import Product, SubstanceEntry  # noqa: E402
from procurement_portal import scale_data  # noqa: E402
from suppliers.models import Supplier, User  # noqa: E402

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
DASHBOARD_TARGET_MS = 300
SUPPLIER_PAGE_TARGET_MS = 200


class Session:
    """One browser: a keep-alive connection and its cookies (no redirects followed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        headers["Host"] = f"127.0.0.1:{self.port}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the keep-alive connection between requests: open another once.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, data

    def login(self, email: str, password: str) -> None:
        login = reverse("login")
        status, page = self.request("GET", login)
        match = CSRF_FIELD.search(page)
        if status != 200 or match is None:
            raise SystemExit(f"login page: HTTP {status}, no CSRF token")
        form = urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": email, "password": password}
        ).encode()
        status, _ = self.request(
            "POST",
            login,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}{login}",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"logging in as {email} failed (HTTP {status}); is --password right?")


@dataclass
class Case:
    label: str
    email: str
    paths: list[str]  # one is picked at random per request
    target_ms: int | None
    timings: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # by HTTP status or error
    seconds: float = 0.0
    queries: int | None = None
    solo_ms: float | None = None  # p50 of one user alone, before the concurrent run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, args: argparse.Namespace) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONWARNINGS": QUIET,
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "procurement_portal.wsgi",
        "-w",
        str(args.workers),
        "--threads",
        str(args.threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", reverse("health"), headers={"Host": f"127.0.0.1:{port}"})
            if probe.getresponse().status < 500:
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def page(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def build_cases(rng: random.Random) -> tuple[list[Case], list[str]]:
    staff = User.objects.get(email=scale_data.STAFF_EMAIL)
    unit_staff = User.objects.get(email=scale_data.UNIT_STAFF_EMAIL)
    suppliers = list(scale_data.scale_suppliers().values_list("pk", flat=True))
    in_unit = list(
        Supplier.objects.visible_to(unit_staff)
        .filter(pk__in=scale_data.scale_suppliers())
        .values_list("pk", flat=True)
    )
    cases, missing = [], []
    dashboard = page("staff:dashboard")
    if dashboard:
        cases.append(
            Case("staff dashboard, group administrator", staff.email, [dashboard], DASHBOARD_TARGET_MS)
        )
        cases.append(
            Case("staff dashboard, unit manager", unit_staff.email, [dashboard], DASHBOARD_TARGET_MS)
        )
    else:
        missing.append("staff:dashboard")
    if page("staff:supplier_detail", supplier_pk=suppliers[0]):
        for label, email, pool in (
            ("supplier page (staff), administrator", staff.email, suppliers),
            ("supplier page (staff), unit manager", unit_staff.email, in_unit),
        ):
            sample = rng.sample(pool, k=min(len(pool), 500))
            paths = [page("staff:supplier_detail", supplier_pk=pk) for pk in sample]
            cases.append(Case(label, email, paths, SUPPLIER_PAGE_TARGET_MS))
    else:
        missing.append("staff:supplier_detail")
    home = page("supplier:home")
    if home:
        cases.append(
            Case("supplier home, supplier user", scale_data.SUPPLIER_EMAIL, [home], SUPPLIER_PAGE_TARGET_MS)
        )
    else:
        missing.append("supplier:home")
    directory = page("staff:supplier_directory")
    if directory:
        cases.append(Case("supplier directory (baseline), administrator", staff.email, [directory], None))
    return cases, missing


def count_queries(case: Case) -> int | None:
    """Queries of one request of the page, in this process (the test client, same database)."""
    client = Client()
    client.force_login(
        User.objects.get(email=case.email), backend="django.contrib.auth.backends.ModelBackend"
    )
    path = case.paths[0]
    client.get(path)  # warm the per-process caches first, as the server's workers are
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return len(captured) if response.status_code == 200 else None


def drive(
    case: Case, port: int, args: argparse.Namespace, password: str, rng: random.Random, think: float
) -> None:
    sessions = []
    for _ in range(args.users):
        session = Session(port)
        session.login(case.email, password)
        sessions.append(session)
    for session in sessions:  # warm-up: worker caches, connections
        for _ in range(args.warmup):
            session.request("GET", rng.choice(case.paths))
    # One user alone: the page's own cost, without queueing behind the other users.
    solo = []
    for _ in range(args.solo):
        started = time.perf_counter()
        status, _ = sessions[0].request("GET", rng.choice(case.paths))
        if status == 200:
            solo.append((time.perf_counter() - started) * 1000)
    case.solo_ms = statistics.median(solo) if solo else None
    remaining = iter(range(args.requests))
    lock = threading.Lock()
    failures: dict[str, int] = {}
    timings: list[float] = []

    def user(session: Session, seed: int) -> None:
        local = random.Random(seed)
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            path = local.choice(case.paths)
            started = time.perf_counter()
            try:
                status, _ = session.request("GET", path)
            except OSError as exc:
                status = type(exc).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 200:
                    timings.append(elapsed)
                else:
                    failures[str(status)] = failures.get(str(status), 0) + 1
            if think:
                time.sleep(local.uniform(0, 2 * think))

    threads = [threading.Thread(target=user, args=(s, rng.random())) for s in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case.seconds = time.perf_counter() - started
    case.timings, case.failures = sorted(timings), failures
    for session in sessions:
        session.connection.close()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def report(cases: list[Case], args: argparse.Namespace, think: float) -> None:
    pause = (
        f"users: think time {think:g} s on average between requests"
        if think
        else "stress: no think time, requests back to back"
    )
    print(
        f"\n{args.users} concurrent users, {pause}, {args.requests} requests per page, gunicorn "
        f"{args.workers} workers x {args.threads} threads, DEBUG=0, {os.cpu_count()} CPUs:"
    )
    print(f"  {'page':<46} {'alone':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7} {'queries':>7}  target")
    for case in cases:
        t = case.timings
        p50, p95, p99 = statistics.median(t) if t else float("nan"), percentile(t, 0.95), percentile(t, 0.99)
        rate = len(t) / case.seconds if case.seconds else 0
        queries = "-" if case.queries is None else str(case.queries)
        alone = float("nan") if case.solo_ms is None else case.solo_ms
        verdict = ""
        if case.target_ms is not None:
            verdict = f"p95 < {case.target_ms} ms: {'met' if p95 < case.target_ms else 'MISSED'}"
        failed = f"  failures: {case.failures}" if case.failures else ""
        print(
            f"  {case.label:<46} {alone:7.1f} {p50:7.1f} {p95:7.1f} {p99:7.1f} {rate:7.1f} {queries:>7}  "
            f"{verdict}{failed}"
        )
    print(
        f"  (milliseconds; alone: p50 of {args.solo} requests by one user before the concurrent run; "
        "queries: one request through the test client, same database)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seed", action="store_true", help="run seed_scale first when there is no scale data"
    )
    parser.add_argument("--suppliers", type=int, default=10_000, help="for --seed")
    parser.add_argument("--products", type=int, default=100_000, help="for --seed")
    parser.add_argument("--substances", type=int, default=1_000_000, help="for --seed")
    parser.add_argument("--password", default=scale_data.DEFAULT_PASSWORD)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="requests per session before measuring")
    parser.add_argument("--solo", type=int, default=5, help="requests by one user alone, before the run")
    parser.add_argument(
        "--think",
        type=float,
        default=None,
        help="run only this mean pause in seconds between a user's requests (0: back to back); "
        "default: both 1 s and 0",
    )
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="as gunicorn.conf.py"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument(
        "--pages", default="", help="only the pages whose label contains one of these comma-separated words"
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL to the seeded PostgreSQL database (see the docstring).")
    if connection.vendor != "postgresql":
        print(f"warning: the database is {connection.vendor}; the targets are for PostgreSQL")
    if not scale_data.has_scale_data():
        if not args.seed:
            raise SystemExit("No seed_scale data in this database: run with --seed (or seed_scale first).")
        call_command(
            "seed_scale", suppliers=args.suppliers, products=args.products, substances=args.substances,
            password=args.password,
        )  # fmt: skip
    counts = {
        "suppliers": scale_data.scale_suppliers().count(),
        "products": Product.objects.count(),
        "substance rows": SubstanceEntry.objects.count(),
    }
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
          + ", ".join(f"{v:,} {k}" for k, v in counts.items()))  # fmt: skip
    rng = random.Random(1)
    cases, missing = build_cases(rng)
    if args.pages:
        words = [w.strip() for w in args.pages.split(",") if w.strip()]
        cases = [c for c in cases if any(w in c.label for w in words)]
    if missing:
        print(f"not built yet, skipped: {', '.join(missing)}")
    for case in cases:
        case.queries = count_queries(case)
    connection.close()  # the server's workers get the database to themselves while measuring
    port = args.port or free_port()
    server = start_gunicorn(port, args)
    modes = [args.think] if args.think is not None else [1.0, 0.0]
    runs: list[tuple[float, list[Case]]] = []
    try:
        for think in modes:
            run = [dataclasses.replace(case, timings=[], failures={}) for case in cases]
            for case in run:
                before = resource.getrusage(resource.RUSAGE_SELF)
                t0 = time.perf_counter()
                drive(case, port, args, args.password, rng, think)
                after = resource.getrusage(resource.RUSAGE_SELF)
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                # The load client shares the two cores with the server: show that it is not what limits.
                print(
                    f"  measured (think {think:g} s): {case.label} (load client CPU {cpu:.2f} s of"
                    f" {time.perf_counter() - t0:.1f} s)"
                )
            runs.append((think, run))
    finally:
        stop(server)
    for think, run in runs:
        report(run, args, think)


if __name__ == "__main__":
    main()
