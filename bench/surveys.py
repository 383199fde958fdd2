"""Surveys at scale: the 109-question SAQ page, autosave, and a campaign for 10,000 suppliers.

    make bench-surveys                                     # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_surveys make bench-surveys

Builds a throw-away test database (test_<name>), publishes the questionnaire files, creates 10,000
suppliers (2 sites each) and times, in one run:
- `campaign_create` for all of them at company level (10,000 responses + 10,000 audit versions, bulk
  inserts) and at site level (20,000 + 20,000); target: company level under 10 s on PostgreSQL;
- the supplier's SAQ answering page (109 questions, half answered, comments and documents present)
  through Django's test client with the full middleware; target p95 under 150 ms;
- an autosave POST of one answer, the reviewer's SAQ page and the campaign's staff page at 10,000
  responses;
and prints the SAQ page p50 over the bare parse of its questionnaire JSON measured in the same run.
"""

from __future__ import annotations

import datetime
import json
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
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from suppliers.models import BuyerGroup, BuyerUnit, Membership, Site, Supplier, User  # noqa: E402
from suppliers.roles import Role  # noqa: E402
from surveys import campaign_services, response_services  # noqa: E402
from surveys.models import QuestionnaireVersion, Response  # noqa: E402
from surveys.reference_data import QUESTIONNAIRES, load_questionnaires  # noqa: E402

NO_LOGIN = make_password(None)
SUPPLIERS = 10_000
RUNS = 40
COUNTRIES = ("JP", "CN", "DE", "US", "VN", "TH", "KR", "MX")


def populate(count: int, unit: BuyerUnit) -> None:
    suppliers = Supplier.objects.bulk_create(
        Supplier(
            legal_name=f"Supplier {i:05d} Co., Ltd.",
            country=COUNTRIES[i % len(COUNTRIES)],
            duns=f"{800000000 + i}",
        )
        for i in range(count)
    )
    through = Supplier.buyer_units.through
    through.objects.bulk_create(through(supplier_id=s.pk, buyerunit_id=unit.pk) for s in suppliers)
    Site.objects.bulk_create(
        Site(supplier=s, name=f"Plant {k}", country=s.country) for s in suppliers for k in (1, 2)
    )


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    return result, elapsed


def measure(client: Client, method: str, url: str, data=None) -> tuple[float, float, int]:
    timings, queries = [], 0
    for _ in range(RUNS):
        reset_queries()
        started = time.perf_counter()
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data=json.dumps(data), content_type="application/json")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(connection.queries)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def main() -> None:
    setup_test_environment()
    settings.DEBUG = True  # counts queries; templates and middleware are the production ones
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        load_questionnaires()
        group = BuyerGroup.objects.create(name="Bench")
        unit = BuyerUnit.objects.create(group=group, code="u1", name="Unit 1")
        admin = User.objects.create(email="admin@bench.example", password=NO_LOGIN)
        Membership.objects.create(user=admin, role=Role.ADMINISTRATOR)
        _, seconds = timed("populate", lambda: populate(SUPPLIERS, unit))
        print(
            f"database: {connection.vendor}; {SUPPLIERS:,} suppliers with 2 sites each "
            f"(built in {seconds:.1f} s)"
        )

        saq = QuestionnaireVersion.objects.get(code="saq")
        env = QuestionnaireVersion.objects.get(code="env_activity")
        today = timezone.localdate()

        def create(level: str, questionnaire: QuestionnaireVersion):
            return campaign_services.campaign_create(
                by=admin,
                name=f"Bench {level}",
                year=today.year,
                questionnaire=questionnaire,
                level=level,
                opens_on=today - datetime.timedelta(days=1),
                due_on=today + datetime.timedelta(days=30),
                mode="all",
            )

        created, company_s = timed("company", lambda: create("company", saq))
        print(
            f"\ncampaign for {SUPPLIERS:,} suppliers, company level: {created.responses:,} responses "
            f"+ {created.responses:,} versions in {company_s:.2f} s (target < 10 s on PostgreSQL)"
        )
        site_created, site_s = timed("site", lambda: create("site", env))
        print(
            f"campaign for {SUPPLIERS:,} suppliers, site level:    {site_created.responses:,} responses "
            f"+ {site_created.responses:,} versions in {site_s:.2f} s"
        )

        # One supplier's SAQ: half the questions answered, a document and two reviewer comments.
        supplier = Supplier.objects.order_by("pk").first()
        user = User.objects.create(email="supplier@bench.example", password=NO_LOGIN, language="ja")
        Membership.objects.create(user=user, supplier=supplier, role=Role.SUPPLIER_ADMIN)
        response = Response.objects.get(campaign=created.campaign, supplier=supplier)
        questionnaire = saq.questionnaire
        values = {}
        for i, q in enumerate(questionnaire.questions):
            if q.type == "ynpna" and i % 2 == 0:
                values[q.code] = ("yes", "partly", "no", "na")[i % 4]
        response_services.response_save(response, by=user, values=values)
        upload = SimpleUploadedFile("policy.pdf", b"%PDF-1.4\n%bench\n", "application/pdf")
        response_services.evidence_add(response, by=user, question="A1.1", upload=upload)
        for code in ("A1.1", "B1.1"):
            response_services.comment_add(response, by=admin, question=code, body="Please attach the policy.")
        print(
            f"\nSAQ response: {len(questionnaire.questions)} questions, {len(values)} answered (language ja)"
        )

        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        staff = Client()
        staff.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        cases = [
            (
                "SAQ answering page",
                client,
                "get",
                reverse("supplier:survey_response", args=[response.pk]),
                None,
            ),
            (
                "autosave one answer",
                client,
                "post",
                reverse("supplier:survey_autosave", args=[response.pk]),
                None,
            ),
            ("survey to-do list", client, "get", reverse("supplier:survey_list"), None),
            ("reviewer's SAQ page", staff, "get", reverse("staff:response_review", args=[response.pk]), None),
            (
                f"campaign page, {created.responses:,} responses",
                staff,
                "get",
                reverse("staff:campaign_detail", args=[created.campaign.pk]),
                None,
            ),
        ]
        print(f"{RUNS} requests per case, Django test client, full middleware:")
        results = {}
        for label, c, method, url, _ in cases:
            data = None
            if method == "post":
                # Alternate two values so every request really writes (and records a version).
                data = {"answers": {"A1.2": "yes"}}
                flip = iter(["no", "yes"] * RUNS)
                original_post = c.post

                def post(url, data=None, content_type=None, _orig=original_post, _flip=flip):
                    body = json.dumps({"answers": {"A1.2": next(_flip)}})
                    return _orig(url, data=body, content_type="application/json")

                c.post = post
            p50, p95, queries = measure(c, method, url, data)
            if method == "post":
                c.post = original_post
            results[label] = p50
            print(f"  {label:<34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} queries")

        raw = (QUESTIONNAIRES / "saq-2026.1.json").read_text(encoding="utf-8")
        parse = []
        for _ in range(RUNS):
            started = time.perf_counter()
            json.loads(raw)
            parse.append((time.perf_counter() - started) * 1000)
        bare = statistics.median(parse)
        print(
            f"\nSAQ page p50 / bare json.loads of the SAQ file ({bare:.2f} ms), same run: "
            f"{results['SAQ answering page'] / bare:.1f}x"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
