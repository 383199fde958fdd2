"""The staff dashboard: figures from real survey scores and stored evaluations, scoped by the tenancy
rule and the filters, drill-down links, exports (CSV/XLSX, formula-escaped) and a query count that does
not grow with the number of suppliers or products."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chemicals.models import Declaration, Product, ProductEvaluation, ReevaluationRun, VerdictChange
from compliance import dashboard_selectors
from compliance.models import Certificate
from suppliers.models import Supplier, SupplierCategory
from surveys import response_services
from surveys.models import Campaign, Response
from surveys.questionnaire import Questionnaire
from surveys.scoring import score
from tests.compliance.conftest import issued_without_pdf, make_product
from tests.surveys.conftest import open_campaign, publish

DASHBOARD = reverse("staff:dashboard")
WEAKEST = reverse("staff:dashboard_weakest")


def export_url(table: str, fmt: str = "csv", **params: Any) -> str:
    url = reverse("staff:dashboard_export", kwargs={"table": table, "fmt": fmt})
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def answers_for(questionnaire: Questionnaire, offset: int) -> dict[str, str]:
    """An answer to every choice question, option picked by position: different offsets give
    different scores, computed by the real engine when saved."""
    answers = {}
    for i, question in enumerate(questionnaire.questions):
        if question.type in ("ynpna", "single") and question.options:
            answers[question.code] = question.options[(i + offset) % len(question.options)].code
    return answers


def answer(response: Response, by, offset: int, status: str = Response.Status.SUBMITTED) -> Response:
    questionnaire = response.campaign.questionnaire.questionnaire
    response_services.response_save(response, by=by, values=answers_for(questionnaire, offset))
    Response.objects.filter(pk=response.pk).update(status=status, submitted_at=timezone.now())
    response.refresh_from_db()
    return response


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def data(world, gpg):
    """Surveys answered by both suppliers, products with verdicts, certificates, declarations and a
    re-evaluation, for supplier A (unit A) and supplier B (unit B)."""
    electronics = SupplierCategory.objects.create(code="electronics", names={"en": "Electronics"})
    world.supplier_a.categories.set([electronics])
    month_ago = timezone.localdate() - datetime.timedelta(days=30)
    saq = open_campaign(world, publish("saq-2026.1.json"), name="SAQ 2026", opens_on=month_ago)
    env = open_campaign(world, publish("env-activity-2026.1.json"), name="Env 2026", opens_on=month_ago)
    response_a = answer(saq.responses.get(supplier=world.supplier_a), world.sup_a, 0)
    response_b = answer(
        saq.responses.get(supplier=world.supplier_b), world.sup_b, 2, Response.Status.ACCEPTED
    )
    answer(env.responses.get(supplier=world.supplier_a), world.sup_a, 1)

    # Products: A has a breach of T1-3 and T1-5 (revision 2 replaces revision 1) and an incomplete one.
    make_product(world.supplier_a, "A-1", gpg, verdict="compliant", revision=1, is_current=False)
    a_breach = make_product(world.supplier_a, "A-1", gpg, verdict="non_compliant", revision=2)
    ProductEvaluation.objects.filter(product=a_breach).update(
        breached_groups=["T1-3", "T1-5"], unknown_count=1
    )
    a_gap = make_product(world.supplier_a, "A-2", gpg, verdict="incomplete")
    ProductEvaluation.objects.filter(product=a_gap).update(unknown_count=2)
    # A submitted revision stays the buyer's view while the supplier drafts the next one.
    make_product(world.supplier_a, "A-3", gpg, verdict="compliant", revision=1, is_current=False)
    make_product(world.supplier_a, "A-3", gpg, verdict="", revision=2, status="draft")
    b_breach = make_product(world.supplier_b, "B-1", gpg, verdict="non_compliant")
    ProductEvaluation.objects.filter(product=b_breach).update(breached_groups=["T1-3"])
    make_product(world.supplier_b, "B-2", gpg, verdict="compliant")

    today = timezone.localdate()
    issued_without_pdf(world.supplier_a, gpg, ["A-1"])
    issued_without_pdf(world.supplier_a, gpg, ["A-2"], valid_until=today + datetime.timedelta(days=20))
    issued_without_pdf(world.supplier_a, gpg, ["A-3"], status=Certificate.Status.REVOKED)
    issued_without_pdf(world.supplier_b, gpg, ["B-1"], valid_until=today - datetime.timedelta(days=1))

    for supplier, name, status in (
        (world.supplier_a, "=cmd|' /C calc'!A0.xml", Declaration.Status.REJECTED),
        (world.supplier_a, "a-queued.xml", Declaration.Status.QUEUED),
        (world.supplier_b, "b-parsing.xml", Declaration.Status.PARSING),
    ):
        Declaration.objects.create(
            supplier=supplier,
            original_name=name,
            sha256=name.encode().hex()[:64].ljust(64, "0"),
            size=1,
            status=status,
        )

    run = ReevaluationRun.objects.create(regulated_list=gpg, status=ReevaluationRun.Status.DONE)
    VerdictChange.objects.create(
        run=run,
        product=a_breach,
        supplier=world.supplier_a,
        old_verdict="compliant",
        new_verdict="non_compliant",
    )
    VerdictChange.objects.create(
        run=run, product=a_gap, supplier=world.supplier_a, old_verdict="compliant", new_verdict="incomplete"
    )
    VerdictChange.objects.create(
        run=run,
        product=b_breach,
        supplier=world.supplier_b,
        old_verdict="compliant",
        new_verdict="non_compliant",
    )
    return {
        "saq": saq,
        "env": env,
        "response_a": response_a,
        "response_b": response_b,
        "run": run,
        "a_breach": a_breach,
        "electronics": electronics,
    }


def tables_for(client, url: str = DASHBOARD, **params) -> dict[str, dashboard_selectors.Table]:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.context["data"].tables


def row(table, **match) -> dict[str, Any]:
    found = [r for r in table.rows if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, table.rows)
    return found[0]


# --- Access -----------------------------------------------------------------------------------------


def test_supplier_users_are_refused_and_anonymous_sent_to_login(world):
    for user in (world.sup_a, world.sup_b):
        client = world.client_for(user)
        assert client.get(DASHBOARD).status_code == 403
        assert client.get(export_url("overdue")).status_code == 403
    response = world.client_for(None).get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_unknown_table_or_format_is_404(world):
    client = world.client_for(world.staff_a)
    assert client.get(export_url("overdue", "pdf")).status_code == 404
    assert client.get(export_url("passwords", "csv")).status_code == 404
    assert client.get(export_url("overdue", "xlsx")).status_code == 200


def test_nav_links_the_dashboard_for_staff_only(world):
    assert DASHBOARD.encode() in world.client_for(world.staff_a).get(reverse("staff:campaign_list")).content
    assert DASHBOARD.encode() not in world.client_for(world.sup_a).get(reverse("supplier:home")).content


def test_unit_staff_see_nothing_of_another_unit(world, data):
    page = world.client_for(world.staff_b).get(DASHBOARD)
    text = page.content.decode()
    assert "Alpha Parts Ltd" not in text and "A-1" not in text
    t = page.context["data"].tables
    assert row(t["campaigns"], campaign="SAQ 2026")["total"] == 1
    assert {r["key"]: r["count"] for r in t["verdicts"].rows}["non_compliant"] == 1
    assert [(r["code"], r["count"]) for r in t["breaches"].rows] == [("T1-3", 1)]
    assert t["breaches"].extra["unknown_findings"] == 0
    assert [r["supplier"] for r in t["breach_products"].rows] == ["Beta Metals Co"]
    assert {r["key"]: r["count"] for r in t["certificates"].rows} == {
        "issued": 0,
        "expiring": 0,
        "revoked": 0,
        "expired": 1,
    }
    assert {r["key"]: r["count"] for r in t["impact"].rows}["incomplete"] == 0
    assert [r["label"] for r in t["risk_unit"].rows] == ["Unit B"]
    assert [r["label"] for r in t["risk_country"].rows] == ["CN"]
    # The weakest sections count B's one answered SAQ response, not A's.
    weak = tables_for(world.client_for(world.staff_b), WEAKEST)
    assert weak["weak_sections"].rows and {r["count"] for r in weak["weak_sections"].rows} == {1}
    # The filter offers only the user's own unit.
    assert [c for c in page.context["form"].fields["unit"].choices if c[0]] == [
        (str(world.unit_b.pk), "Unit B")
    ]


@pytest.mark.parametrize("table", dashboard_selectors.TABLES)
def test_no_export_of_another_units_data(world, data, table):
    for fmt in ("csv", "xlsx"):
        response = world.client_for(world.staff_b).get(export_url(table, fmt))
        assert response.status_code == 200
        if fmt == "csv":
            body = response.content.decode("utf-8-sig")
        else:
            sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
            body = "\n".join(
                ",".join(str(c) for c in r if c is not None) for r in sheet.iter_rows(values_only=True)
            )
        assert "Alpha" not in body and "A-1" not in body and "a-queued" not in body and "JP" not in body


def test_another_units_filter_value_is_refused_not_applied(world, data):
    client = world.client_for(world.staff_a)
    response = client.get(DASHBOARD, {"unit": world.unit_b.pk})
    assert response.context["form"].errors["unit"]
    assert response.context["data"].filters.unit_id is None
    assert "Beta Metals Co" not in response.content.decode()


# --- Figures ----------------------------------------------------------------------------------------


def test_campaign_progress_and_overdue(world, data):
    saq = data["saq"]
    t = tables_for(world.client_for(world.admin))
    saq_row = row(t["campaigns"], campaign="SAQ 2026")
    assert (saq_row["total"], saq_row["submitted"], saq_row["accepted"], saq_row["rate"]) == (2, 1, 1, 100.0)
    env_row = row(t["campaigns"], campaign="Env 2026")
    assert (env_row["total"], env_row["submitted"], env_row["not_started"], env_row["rate"]) == (
        2,
        1,
        1,
        50.0,
    )
    assert t["overdue"].rows == []
    # Once the due date has passed, B (not started) is overdue; submitted A is not.
    Campaign.objects.filter(pk=data["env"].pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    t = tables_for(world.client_for(world.admin))
    assert row(t["campaigns"], campaign="Env 2026")["overdue"] == 1
    overdue = row(t["overdue"], supplier="Beta Metals Co")
    assert overdue["days"] == 3 and overdue["campaign"] == "Env 2026"
    assert saq.pk not in {r["campaign_id"] for r in t["overdue"].rows}
    # Unit A's staff see none of it.
    assert tables_for(world.client_for(world.staff_a))["overdue"].rows == []


def test_year_filter_and_latest_campaigns(world, data):
    old = open_campaign(
        world,
        data["saq"].questionnaire,
        year=2025,
        name="SAQ 2025",
        opens_on=timezone.localdate() - datetime.timedelta(days=400),
        due_on=timezone.localdate() - datetime.timedelta(days=340),
    )
    Campaign.objects.filter(pk=old.pk).update(status=Campaign.Status.CLOSED)
    client = world.client_for(world.admin)
    names = {r["campaign"] for r in tables_for(client)["campaigns"].rows}
    assert names == {"SAQ 2026", "Env 2026"}  # open ones; 2025 is not the latest SAQ any more
    names = {r["campaign"] for r in tables_for(client, year=2025)["campaigns"].rows}
    assert names == {"SAQ 2025"}
    Campaign.objects.filter(pk__in=[data["saq"].pk, data["env"].pk]).update(status=Campaign.Status.CLOSED)
    names = {r["campaign"] for r in tables_for(client)["campaigns"].rows}
    assert names == {"SAQ 2026", "Env 2026"}  # closed, but still the latest of their questionnaire


def test_risk_bands_by_unit_category_and_country_follow_the_stored_grades(world, data):
    a, b = data["response_a"], data["response_b"]
    assert a.grade and b.grade
    t = tables_for(world.client_for(world.admin))
    assert [c.key for c in t["risk_unit"].columns][1:4] == ["high", "medium", "low"]
    unit_a = row(t["risk_unit"], label="Unit A")
    assert unit_a[a.grade] == 1 and unit_a["total"] == 1 and unit_a["mean"] == round(a.score, 1)
    assert row(t["risk_category"], label="Electronics")[a.grade] == 1
    assert row(t["risk_category"], label="No category")[b.grade] == 1
    assert row(t["risk_country"], label="CN")[b.grade] == 1
    # The environmental survey's ratings instead.
    t = tables_for(world.client_for(world.admin), questionnaire="env_activity")
    assert [c.key for c in t["risk_unit"].columns][1:5] == ["A", "B", "C", "D"]
    assert row(t["risk_country"], label="JP")["total"] == 1
    assert t["risk_country"].rows[0]["label"] == "JP"


def test_weakest_sections_and_questions_are_means_of_the_stored_scores(world, data):
    a, b = data["response_a"], data["response_b"]
    questionnaire = a.campaign.questionnaire.questionnaire
    cards = [score(questionnaire, r.answers) for r in (a, b)]
    # The dashboard leaves them to their own page, which its script loads into the panel.
    page = world.client_for(world.admin).get(DASHBOARD)
    assert "weak_sections" not in page.context["data"].tables
    assert f'data-lazy-src="{WEAKEST}"'.encode() in page.content
    t = tables_for(world.client_for(world.admin), WEAKEST)
    sections = t["weak_sections"].rows
    assert sections == sorted(sections, key=lambda r: r["mean"])
    first = sections[0]
    expected = [c.section(first["code"]).score for c in cards if c.section(first["code"]).score is not None]
    assert first["mean"] == round(sum(expected) / len(expected), 1) and first["count"] == len(expected)
    assert first["title"] == questionnaire.section(first["code"]).title["en"]
    items = t["weak_items"].rows
    assert len(items) == dashboard_selectors.WEAKEST
    worst = items[0]
    terms = [
        term.score for c in cards for s in c.sections for term in s.terms if term.question == worst["code"]
    ]
    assert worst["mean"] == round(sum(terms) / len(terms), 1) == min(r["mean"] for r in items)
    # The export has every scored question, not only the page's ten.
    body = world.client_for(world.admin).get(export_url("weak_items")).content
    assert len(csv_rows(body)) - 1 > dashboard_selectors.WEAKEST


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path runs on PostgreSQL only")
def test_postgresql_aggregation_equals_the_python_fallback(world, data):
    graded = Response.objects.filter(status__in=["submitted", "accepted"]).exclude(grade="")
    assert graded.count() == 3

    def rounded(result):
        return [
            sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows)
            for rows in result
        ]

    assert rounded(dashboard_selectors.score_means(graded)) == rounded(
        dashboard_selectors.score_means(graded, python=True)
    )


def test_products_breaches_unknowns_certificates_declarations_impact(world, data):
    t = tables_for(world.client_for(world.staff_a))
    # A-1 counts once (revision 2); A-3's draft leaves revision 1 on view.
    assert {r["key"]: r["count"] for r in t["verdicts"].rows} == {
        "non_compliant": 1,
        "incomplete": 1,
        "compliant": 1,
        "none": 0,
    }
    assert [(r["code"], r["count"]) for r in t["breaches"].rows] == [("T1-3", 1), ("T1-5", 1)]
    assert (t["breaches"].extra["unknown_findings"], t["breaches"].extra["unknown_products"]) == (3, 2)
    assert [(r["part_number"], r["revision"], r["groups"]) for r in t["breach_products"].rows] == [
        ("A-1", 2, "T1-3, T1-5")
    ]
    assert {r["key"]: r["count"] for r in t["certificates"].rows} == {
        "issued": 2,
        "expiring": 1,
        "revoked": 1,
        "expired": 0,
    }
    assert t["declarations"].extra["counts"][0][2] == 1  # queued
    assert {r["status_key"] for r in t["declarations"].rows} == {"queued", "rejected"}
    assert {r["key"]: r["count"] for r in t["impact"].rows} == {
        "non_compliant": 1,
        "incomplete": 1,
        "compliant": 0,
    }
    assert t["impact"].extra["changed"] == 2


def test_filters_narrow_every_figure(world, data):
    client = world.client_for(world.admin)
    t = tables_for(client, country="CN")
    assert row(t["campaigns"], campaign="SAQ 2026")["total"] == 1
    assert [r["supplier"] for r in t["breach_products"].rows] == ["Beta Metals Co"]
    assert sum(r["count"] for r in t["impact"].rows) == 1
    t = tables_for(client, category=data["electronics"].pk)
    assert [r["supplier"] for r in t["breach_products"].rows] == ["Alpha Parts Ltd"]
    assert {r["key"]: r["count"] for r in t["certificates"].rows}["expired"] == 0
    t = tables_for(client, unit=world.unit_b.pk)
    assert [r["label"] for r in t["risk_unit"].rows] == ["Unit B"]
    assert t["declarations"].extra["counts"][1][2] == 1  # B's file being read


def test_drill_down_links(world, data):
    page = world.client_for(world.admin).get(DASHBOARD)
    t = page.context["data"].tables
    product = row(t["breach_products"], part_number="A-1")
    assert product["links"]["supplier"] == reverse(
        "staff:supplier_detail", kwargs={"supplier_pk": world.supplier_a.pk}
    )
    assert product["links"]["part_number"] == reverse(
        "staff:product_detail", kwargs={"product_pk": data["a_breach"].pk}
    )
    assert (
        row(t["verdicts"], key="non_compliant")["links"]["count"]
        == reverse("staff:product_list") + "?verdict=non_compliant"
    )
    saq_links = row(t["campaigns"], campaign="SAQ 2026")["links"]
    detail = reverse("staff:campaign_detail", kwargs={"campaign_pk": data["saq"].pk})
    assert saq_links["submitted"] == detail + "?status=submitted"
    assert row(t["certificates"], key="expiring")["links"]["count"].endswith("?expiring_within=60")
    assert (
        row(t["impact"], key="incomplete")["links"]["count"]
        == reverse("staff:reevaluation_detail", kwargs={"run_pk": data["run"].pk}) + "?verdict=incomplete"
    )
    # The links on the page lead somewhere the user may go.
    client = world.client_for(world.staff_a)
    for url in (
        product["links"]["part_number"],
        saq_links["submitted"],
        row(t["verdicts"], key="non_compliant")["links"]["count"],
    ):
        assert client.get(url).status_code == 200


def test_charts_get_their_data_through_json_script(world, data):
    page = world.client_for(world.admin).get(DASHBOARD)
    html = page.content.decode()
    assert '<script id="dashboard-charts" type="application/json">' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "cdn" not in html.lower()
    charts = page.context["charts"]
    assert {
        "campaigns",
        "risk_unit",
        "risk_category",
        "risk_country",
        "verdicts",
        "breaches",
        "certificates",
        "impact",
    } <= set(charts)
    for name in charts:
        assert f'data-chart="{name}"' in html
    assert charts["verdicts"]["datasets"][0]["data"] == [2, 1, 2, 0]
    assert charts["verdicts"]["keys"] == ["non_compliant", "incomplete", "compliant", "none"]
    weakest = world.client_for(world.admin).get(WEAKEST)
    assert weakest.context["charts"]["weak_sections"]["datasets"][0]["data"]
    assert b'id="weak-panel"' in weakest.content and b'<script id="dashboard-charts"' in weakest.content


# --- Exports ----------------------------------------------------------------------------------------


def test_exports_escape_formulas_and_open_in_excel(world, data):
    Supplier.objects.filter(pk=world.supplier_b.pk).update(legal_name='=HYPERLINK("http://evil")')
    client = world.client_for(world.admin)
    rows = csv_rows(client.get(export_url("breach_products")).content)
    assert rows[0][:2] == ["Supplier", "Part number"]
    assert ['\'=HYPERLINK("http://evil")', "B-1"] in [r[:2] for r in rows]
    rows = csv_rows(client.get(export_url("declarations")).content)
    assert "'=cmd|' /C calc'!A0.xml" in [r[1] for r in rows]
    response = client.get(export_url("breach_products", "xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="dashboard-breach-products-' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for c in sheet["A"]]
    assert '\'=HYPERLINK("http://evil")' in values
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_export_follows_the_filters(world, data):
    rows = csv_rows(world.client_for(world.admin).get(export_url("verdicts", country="JP")).content)
    assert {r[0]: r[1] for r in rows[1:]}["Not compliant"] == "1"
    rows = csv_rows(world.client_for(world.admin).get(export_url("verdicts")).content)
    assert {r[0]: r[1] for r in rows[1:]}["Not compliant"] == "2"


# --- Query count ------------------------------------------------------------------------------------


def _grow(world, gpg, campaign: Campaign, template: Response, start: int, count: int) -> None:
    """COUNT more suppliers of unit A, each with a response, products, a certificate, a declaration and
    a verdict change: everything the dashboard lists or counts."""
    run = ReevaluationRun.objects.get_or_create(regulated_list=gpg, status=ReevaluationRun.Status.DONE)[0]
    for i in range(start, start + count):
        supplier = Supplier.objects.create(legal_name=f"Grown {i:03d}", country="TH" if i % 2 else "VN")
        supplier.buyer_units.set([world.unit_a])
        Response.objects.create(
            campaign=campaign,
            supplier=supplier,
            status=Response.Status.SUBMITTED if i % 3 else Response.Status.NOT_STARTED,
            score=template.score,
            grade=template.grade,
            score_detail=template.score_detail,
        )
        for n, verdict in enumerate(("compliant", "non_compliant", "incomplete")):
            product = make_product(supplier, f"G{i}-{n}", gpg, verdict=verdict)
            ProductEvaluation.objects.filter(product=product).update(
                breached_groups=["T1-3"] if n == 1 else []
            )
            if n == 1:
                VerdictChange.objects.create(
                    run=run, product=product, supplier=supplier, old_verdict="compliant", new_verdict=verdict
                )
        issued_without_pdf(supplier, gpg, [f"G{i}-0"])
        Declaration.objects.create(
            supplier=supplier,
            original_name=f"g{i}.xml",
            sha256=f"{i:064d}",
            size=1,
            status=Declaration.Status.REJECTED,
        )


def test_query_count_does_not_grow_with_suppliers_or_products(world, gpg, django_assert_max_num_queries):
    month_ago = timezone.localdate() - datetime.timedelta(days=30)
    saq = open_campaign(world, publish("saq-2026.1.json"), name="SAQ 2026", opens_on=month_ago)
    Campaign.objects.filter(pk=saq.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    template = answer(saq.responses.get(supplier=world.supplier_a), world.sup_a, 0)
    client = world.client_for(world.staff_a)

    def measure() -> tuple[int, ...]:
        counts = []
        for url in (DASHBOARD, WEAKEST):
            client.get(url)  # warm-up: the parsed questionnaire is cached per process
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(queries))
        return tuple(counts)

    _grow(world, gpg, saq, template, 0, 2)  # A and two more: 3 suppliers
    small = measure()
    _grow(world, gpg, saq, template, 2, 27)  # 30 suppliers
    large = measure()
    assert small == large
    with django_assert_max_num_queries(15):
        assert client.get(WEAKEST).context["data"].tables["weak_sections"].rows
    with django_assert_max_num_queries(30):
        response = client.get(DASHBOARD)
    t = response.context["data"].tables
    assert row(t["campaigns"], campaign="SAQ 2026")["total"] == 30
    assert sum(r["count"] for r in t["verdicts"].rows) == 87
    assert (
        t["breach_products"].total == 29 and len(t["breach_products"].rows) == dashboard_selectors.PAGE_ROWS
    )
    # Not started after the due date: the grown suppliers with i % 3 == 0 (A has submitted).
    assert len(t["overdue"].rows) == 10 and not t["overdue"].truncated
    # The page shows the first breaching products; the export has every row.
    body = client.get(export_url("breach_products")).content
    assert len(csv_rows(body)) - 1 == 29


def _figure(response, key: str) -> int:
    """A headline figure as printed on the page."""
    match = re.search(
        rf'data-figure="{key}"><span class="dash-figure">(\d+)</span>', response.content.decode()
    )
    assert match, key
    return int(match.group(1))


def test_figures_are_reused_per_scope_and_refreshed_on_request(world, data, settings):
    from django.core.cache import cache

    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    staff_a, staff_b = world.client_for(world.staff_a), world.client_for(world.staff_b)
    first = staff_a.get(DASHBOARD)
    verdicts = {r["key"]: r["count"] for r in first.context["data"].tables["verdicts"].rows}
    assert "Figures as of" in first.content.decode()
    # A new breach is not shown until the figures are refreshed...
    Product.objects.filter(supplier=world.supplier_a, part_number="A-2").update(verdict="non_compliant")
    again = staff_a.get(DASHBOARD)
    assert {r["key"]: r["count"] for r in again.context["data"].tables["verdicts"].rows} == verdicts
    assert again.context["computed_at"] == first.context["computed_at"]
    # The printed figures are reused too: the second page did not print the tables again.
    assert "compliance/dashboard/_figures.html" in [t.name for t in first.templates]
    assert "compliance/dashboard/_figures.html" not in [t.name for t in again.templates]
    assert _figure(again, "non_compliant") == _figure(first, "non_compliant") == verdicts["non_compliant"]
    # ...which "Refresh now" does.
    fresh = staff_a.get(DASHBOARD + "?refresh=1")
    counts = {r["key"]: r["count"] for r in fresh.context["data"].tables["verdicts"].rows}
    assert counts["non_compliant"] == verdicts["non_compliant"] + 1
    assert _figure(fresh, "non_compliant") == counts["non_compliant"]
    # Another unit's staff never get unit A's cached figures.
    other = staff_b.get(DASHBOARD)
    assert "Alpha Parts Ltd" not in other.content.decode()
    assert {r["key"]: r["count"] for r in other.context["data"].tables["verdicts"].rows}["non_compliant"] == 1
    cache.clear()
