"""The staff page of one supplier (staff:supplier_detail): profile, scores over the years, products and
verdicts, certificates, declarations and the activity timeline, scoped to the staff user's units and
costing the same number of queries whatever the supplier's size."""

from __future__ import annotations

import datetime
from collections import Counter

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from chemicals.models import Declaration, Product, ReevaluationRun, RegulatedList, VerdictChange
from compliance.models import Certificate
from compliance.supplier_overview_selectors import (
    TIMELINE_LIMIT,
    Event,
    ScoreEntry,
    merge_events,
    score_table,
)
from surveys import response_services
from surveys.models import Campaign, Response, ResponseVersion
from tests.compliance.conftest import issued_without_pdf, make_product
from tests.surveys.conftest import open_campaign, publish

COMPLETE = {
    "A1": "none",
    "B1": "implemented",
    "D1": "not_used",
    **{f"C{i:02d}": "implemented" for i in range(1, 21)},
}


def page_url(supplier) -> str:
    return reverse("staff:supplier_detail", kwargs={"supplier_pk": supplier.pk})


def doc(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def section_text(tree, element_id: str) -> str:
    return " ".join(tree.get_element_by_id(element_id).text_content().split())


def hrefs(tree, element_id: str) -> list[str]:
    return tree.get_element_by_id(element_id).xpath(".//a/@href")


def declaration(supplier, name: str, status: str, *, when=None, errors: int = 0, by=None) -> Declaration:
    row = Declaration.objects.create(
        supplier=supplier,
        uploaded_by=by,
        original_name=name,
        sha256=f"{name:0<64}"[:64],
        size=10,
        status=status,
        error_count=errors,
        format="chemSHERPA-AI",
        finished_at=timezone.now(),
    )
    if when is not None:
        Declaration.objects.filter(pk=row.pk).update(created_at=when, finished_at=when)
    return row


# --- The page ---------------------------------------------------------------------------------------


@pytest.fixture
def history(world, gpg):
    """Supplier A with two years of surveys, products, certificates, declarations and a list update."""
    env = publish("env-activity-2026.1.json")
    today = timezone.localdate()
    # Last year's campaign: submitted and accepted through the real services.
    last_year = open_campaign(world, env, year=today.year - 1, name="Env last year")
    old = Response.objects.get(campaign=last_year, supplier=world.supplier_a)
    response_services.response_save(old, by=world.sup_a, values={**COMPLETE, "B1": "planned"})
    assert response_services.response_submit(old, by=world.sup_a) == []
    response_services.response_accept(old, by=world.staff_a, note="Thank you")
    # This year's: submitted, then returned with a note.
    this_year = open_campaign(world, env, year=today.year, name="Env this year")
    new = Response.objects.get(campaign=this_year, supplier=world.supplier_a)
    response_services.response_save(new, by=world.sup_a, values=COMPLETE)
    assert response_services.response_submit(new, by=world.sup_a) == []
    # Products: one of each verdict, one never evaluated, and a draft revision staff must not count.
    compliant = make_product(world.supplier_a, "SW-100", gpg)
    failing = make_product(world.supplier_a, "CAP-200", gpg, verdict="non_compliant")
    make_product(world.supplier_a, "RES-300", gpg, verdict="incomplete")
    make_product(world.supplier_a, "NEW-400", gpg, verdict="")
    Product.objects.filter(pk=compliant.pk).update(is_current=False)
    make_product(world.supplier_a, "SW-100", gpg, revision=2, status=Product.Status.DRAFT, verdict="")
    # A list update that turned CAP-200 non-compliant.
    run = ReevaluationRun.objects.create(
        regulated_list=gpg,
        status=ReevaluationRun.Status.DONE,
        started_by=world.admin,
        finished_at=timezone.now(),
    )
    VerdictChange.objects.create(
        run=run,
        product=failing,
        supplier=world.supplier_a,
        old_verdict="compliant",
        new_verdict="non_compliant",
    )
    # Certificates: one valid, one revoked.
    valid = issued_without_pdf(world.supplier_a, gpg, ["SW-100"], signed_by=world.sup_a)
    revoked = issued_without_pdf(
        world.supplier_a,
        gpg,
        ["CAP-200"],
        status=Certificate.Status.REVOKED,
        revoked_at=timezone.now(),
        revoked_reason="CAP-200 is no longer compliant",
    )
    # Declarations: one stored, one rejected.
    declaration(world.supplier_a, "capacitors.shai", Declaration.Status.STORED, by=world.sup_a)
    declaration(world.supplier_a, "broken.shai", Declaration.Status.REJECTED, errors=3, by=world.sup_a)
    # Supplier B's data, which must never show on A's page.
    make_product(world.supplier_b, "BETA-1", gpg, verdict="non_compliant")
    declaration(world.supplier_b, "beta-secret.shai", Declaration.Status.REJECTED)
    issued_without_pdf(world.supplier_b, gpg, ["BETA-1"], number="NIG-BETA-000001")
    return {"old": old, "new": new, "valid": valid, "revoked": revoked, "failing": failing, "run": run}


def test_page_keeps_the_profile_members_and_invitation_form(world, history):
    tree = doc(world.client_for(world.staff_a).get(page_url(world.supplier_a)))
    text = " ".join(tree.text_content().split())
    assert "Alpha Parts Ltd" in text and "アルファ部品" in text and "Alpha Factory" in text
    assert world.sup_a.email in text and world.invitation_a.email in text
    assert tree.xpath(
        f'//a[@href="{reverse("staff:supplier_edit", kwargs={"supplier_pk": world.supplier_a.pk})}"]'
    )
    assert tree.xpath(
        f'//form[@action="{reverse("staff:supplier_invite", kwargs={"supplier_pk": world.supplier_a.pk})}"]'
    )
    # An auditor reads the same page without the write actions.
    auditor = doc(world.client_for(world.auditor_a).get(page_url(world.supplier_a)))
    assert not auditor.xpath("//form[contains(@action, '/invite/')]")
    assert auditor.get_element_by_id("scores") is not None


def test_scores_over_the_years_with_grade_and_review_link(world, history):
    tree = doc(world.client_for(world.staff_a).get(page_url(world.supplier_a)))
    old, new = history["old"], history["new"]
    old.refresh_from_db()
    new.refresh_from_db()
    today = timezone.localdate()
    headers = [th.text_content().strip() for th in tree.get_element_by_id("scores").xpath(".//thead//th")]
    assert headers[1:] == [str(today.year - 1), str(today.year)]
    cells = tree.get_element_by_id("scores").xpath(".//tbody/tr[1]/td")
    # B1 "planned" last year scores lower than this year's "implemented".
    assert old.score < new.score
    assert cells[0].text_content().split()[0] == f"{old.score:.1f}"
    assert cells[1].text_content().split()[0] == f"{new.score:.1f}"
    assert f"Rating {new.grade}" in cells[1].text_content()
    assert "not reviewed yet" in cells[1].text_content() and "not reviewed yet" not in cells[0].text_content()
    assert reverse("staff:response_review", kwargs={"response_pk": old.pk}) in hrefs(tree, "scores")


def test_products_counted_by_verdict_with_filtered_links(world, history):
    tree = doc(world.client_for(world.staff_a).get(page_url(world.supplier_a)))
    section = tree.get_element_by_id("products")
    counts = {
        a.get("data-verdict"): a.xpath("string(.//strong)") for a in section.xpath(".//a[@data-verdict]")
    }
    # SW-100's current revision is a draft: staff count its last submitted revision instead.
    assert counts == {"non_compliant": "1", "incomplete": "1", "compliant": "1", "none": "1"}
    links = {a.get("data-verdict"): a.get("href") for a in section.xpath(".//a[@data-verdict]")}
    listed = world.client_for(world.staff_a).get(links["non_compliant"])
    assert [p.part_number for p in listed.context["page"]] == ["CAP-200"]
    assert "(4)" in section_text(tree, "products-h")
    detail = reverse("staff:product_detail", kwargs={"product_pk": history["failing"].pk})
    assert detail in hrefs(tree, "products")
    assert f"{reverse('staff:product_list')}?supplier={world.supplier_a.pk}" in hrefs(tree, "products")
    assert "BETA-1" not in section_text(tree, "products")


def test_certificates_and_declarations(world, history):
    tree = doc(world.client_for(world.staff_a).get(page_url(world.supplier_a)))
    certificates = section_text(tree, "certificates")
    valid = history["valid"]
    assert valid.number in certificates and valid.valid_until.isoformat() in certificates
    assert history["revoked"].number in certificates and "Revoked" in certificates
    assert "NIG-BETA-000001" not in certificates
    # The counts by state (window aggregates on the latest rows) match each certificate's own state.
    own = Certificate.objects.filter(supplier=world.supplier_a)
    expected = Counter(c.state() for c in own)
    shown = {
        a.get("data-state"): int(a.xpath("string(.//strong)"))
        for a in tree.get_element_by_id("certificates").xpath(".//a[@data-state]")
    }
    assert shown == dict(expected) and len(shown) >= 2
    assert f"({own.count()})" in certificates
    assert reverse("staff:certificate_detail", kwargs={"certificate_pk": valid.pk}) in hrefs(
        tree, "certificates"
    )
    declarations = section_text(tree, "declarations")
    assert "capacitors.shai" in declarations
    assert (
        "Rejected declarations (1)" in declarations
        and "broken.shai" in declarations
        and "3 errors" in declarations
    )
    assert "beta-secret" not in declarations


def test_timeline_merges_events_newest_first_with_actor_and_link(world, history):
    tree = doc(world.client_for(world.staff_a).get(page_url(world.supplier_a)))
    items = tree.get_element_by_id("timeline").xpath(".//li")
    kinds = [li.get("data-kind") for li in items]
    stamps = [li.xpath("string(.//time/@datetime)") for li in items]
    assert stamps == sorted(stamps, reverse=True)
    for kind in (
        "survey_created",
        "survey_submitted",
        "survey_accepted",
        "declaration_received",
        "declaration_rejected",
        "certificate_issued",
        "certificate_revoked",
        "verdict_changed",
        "site_added",
        "member_joined",
    ):
        assert kind in kinds, kind
    by_kind = {li.get("data-kind"): li for li in items}
    accepted = by_kind["survey_accepted"]
    assert "Thank you" in accepted.text_content() and world.staff_a.full_name in accepted.text_content()
    version = history["old"].versions.get(event=ResponseVersion.Event.ACCEPTED)
    assert accepted.xpath("string(.//a/@href)") == reverse(
        "staff:response_version", kwargs={"response_pk": history["old"].pk, "number": version.number}
    )
    changed = by_kind["verdict_changed"].text_content()
    assert (
        "CAP-200" in changed
        and "Compliant" in changed
        and "Not compliant" in changed
        and "GPG-13.0" in changed
    )
    revoked = by_kind["certificate_revoked"]
    assert "no longer compliant" in revoked.text_content()
    assert revoked.xpath("string(.//a/@href)") == reverse(
        "staff:certificate_detail", kwargs={"certificate_pk": history["revoked"].pk}
    )
    assert "beta-secret" not in tree.get_element_by_id("timeline").text_content()


def test_timeline_is_limited(world, gpg):
    now = timezone.now()
    for i in range(TIMELINE_LIMIT + 5):
        declaration(
            world.supplier_a,
            f"file-{i:02d}.shai",
            Declaration.Status.STORED,
            when=now - datetime.timedelta(hours=i),
        )
    tree = doc(world.client_for(world.staff_a).get(page_url(world.supplier_a)))
    items = tree.get_element_by_id("timeline").xpath(".//li")
    assert len(items) == TIMELINE_LIMIT
    assert "file-00.shai" in items[0].text_content()


def test_the_route_kept_its_path_and_name_and_moved_to_compliance(world):
    url = page_url(world.supplier_a)
    assert url == f"/staff/suppliers/{world.supplier_a.pk}/"
    assert resolve(url).func.__module__ == "compliance.views.supplier_overview"


def test_other_units_staff_get_404_and_suppliers_403(world, history):
    url = page_url(world.supplier_a)
    assert world.client_for(world.staff_b).get(url).status_code == 404
    assert world.client_for(world.staff_b).post(url).status_code == 404
    assert world.client_for(world.sup_a).get(url).status_code == 403
    assert world.client_for(world.admin).get(url).status_code == 200
    assert world.client_for(world.staff_a).post(url).status_code == 405


def test_invalid_invitation_shows_the_form_again_with_its_error(world):
    response = world.client_for(world.staff_a).post(
        reverse("staff:supplier_invite", kwargs={"supplier_pk": world.supplier_a.pk}),
        {"email": "not-an-address", "role": "supplier_admin", "language": "en"},
    )
    assert response.status_code == 200
    assert "Alpha Factory" in response.content.decode()
    assert response.context["invite_form"].errors


# --- Queries ------------------------------------------------------------------------------------------


def populate(world, regulated_list: RegulatedList, start: int, count: int) -> None:
    """COUNT more of everything the page lists for supplier A, written in bulk."""
    supplier, today, now = world.supplier_a, timezone.localdate(), timezone.now()
    questionnaire = publish("env-activity-2026.1.json")
    campaigns = Campaign.objects.bulk_create(
        Campaign(
            name=f"Bulk {i}",
            year=today.year - (i % 5),
            questionnaire=questionnaire,
            opens_on=today - datetime.timedelta(days=400 + i),
            due_on=today - datetime.timedelta(days=300 + i),
            status=Campaign.Status.CLOSED,
        )
        for i in range(start, start + count)
    )
    responses = Response.objects.bulk_create(
        Response(campaign=c, supplier=supplier, status="accepted", score=50 + i % 40, grade="B")
        for i, c in enumerate(campaigns)
    )
    ResponseVersion.objects.bulk_create(
        ResponseVersion(response=r, number=2, event="accepted", status="accepted", by=world.staff_a, at=now)
        for r in responses
    )
    products = Product.objects.bulk_create(
        Product(
            supplier=supplier,
            part_number=f"BULK-{i:04d}",
            name=f"Bulk {i}",
            verdict=("compliant", "non_compliant", "incomplete", "")[i % 4],
            created_by=world.sup_a,
        )
        for i in range(start, start + count)
    )
    Declaration.objects.bulk_create(
        Declaration(
            supplier=supplier,
            uploaded_by=world.sup_a,
            original_name=f"bulk-{i}.shai",
            sha256=f"{i:064d}",
            size=1,
            status=("stored", "rejected")[i % 2],
            finished_at=now,
        )
        for i in range(start, start + count)
    )
    for i in range(start, start + count):
        issued_without_pdf(
            supplier, regulated_list, [f"BULK-{i:04d}"], number=f"NIG-BULK-{i:06d}", signed_by=world.sup_a
        )
    run = ReevaluationRun.objects.create(regulated_list=regulated_list, started_by=world.admin)
    VerdictChange.objects.bulk_create(
        VerdictChange(
            run=run, product=p, supplier=supplier, old_verdict="compliant", new_verdict="incomplete"
        )
        for p in products
    )
    for i in range(start, start + count):
        world.supplier_a.sites.create(name=f"Plant {i}", country="JP")


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["staff_a", "admin"])
def test_query_count_does_not_grow_with_the_supplier(world, gpg, persona, django_assert_max_num_queries):
    client = world.client_for(getattr(world, persona))
    url = page_url(world.supplier_a)
    populate(world, gpg, 0, 3)
    client.get(url)  # warm-up: session and per-process caches
    small = queries(client, url)
    populate(world, gpg, 3, 27)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    assert queries(client, url) == small
    # Session (from the cache), user, memberships, the supplier with its categories and units, sites,
    # members, invitations, then scores, products, certificates, declarations (2) and three event sources.
    assert small <= 16
    assert len(response.context["timeline"]) == TIMELINE_LIMIT
    assert len(response.context["products"]["latest"]) == 10 and response.context["products"]["total"] == 30


# --- Pure parts ----------------------------------------------------------------------------------------


def entry(code: str, year: int, score: float, *, site: str = "", pk: int = 0, title: str = "") -> ScoreEntry:
    return ScoreEntry(
        questionnaire_code=code,
        title=title or code,
        site_name=site,
        year=year,
        score=score,
        grade="",
        grade_label="",
        status="accepted",
        status_label="Accepted",
        response_pk=pk,
    )


def test_score_table_pivots_years_and_keeps_the_newest_response_of_a_year():
    table = score_table(
        [
            entry("saq", 2026, 80, pk=3, title="SAQ"),
            entry("saq", 2026, 60, pk=2, title="SAQ old title"),  # an older campaign of the same year
            entry("env", 2024, 50, pk=1, title="Env"),
            entry("env", 2026, 70, site="Plant B", pk=4, title="Env"),
        ]
    )
    assert table.years == [2024, 2026]
    assert [(r.title, r.site_name) for r in table.rows] == [("Env", ""), ("Env", "Plant B"), ("SAQ", "")]
    assert [c and c.response_pk for c in table.rows[2].cells] == [None, 3]
    assert [c and c.score for c in table.rows[0].cells] == [50, None]
    assert table.rows[0].latest.year == 2024
    assert score_table([]).rows == []


def test_merge_events_keeps_the_newest_across_sources():
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    a = [Event(at=base + datetime.timedelta(days=d), kind="a", text=f"a{d}") for d in (9, 5, 1)]
    b = [Event(at=base + datetime.timedelta(days=d), kind="b", text=f"b{d}") for d in (8, 7, 2)]
    assert [e.text for e in merge_events(a, b, limit=4)] == ["a9", "b8", "b7", "a5"]
    assert merge_events(limit=3) == []
