"""The supplier's home page (supplier:home): the to-do list across surveys, declarations and
certificates, the supplier's own scores, and the company, sites and members it always showed."""

from __future__ import annotations

import datetime

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from chemicals.models import Declaration, Product, ReevaluationRun, VerdictChange
from compliance.models import Certificate
from compliance.supplier_home_selectors import LIST_LIMIT, RENEWAL_WINDOW_DAYS
from surveys import response_services
from surveys.models import Campaign, Response
from tests.compliance.conftest import issued_without_pdf, make_product
from tests.surveys.conftest import open_campaign, publish

HOME = reverse("supplier:home")
COMPLETE = {
    "A1": "none",
    "B1": "implemented",
    "D1": "not_used",
    **{f"C{i:02d}": "implemented" for i in range(1, 21)},
}


def doc(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def ids(tree, element_id: str, attribute: str) -> list[int]:
    try:
        element = tree.get_element_by_id(element_id)
    except KeyError:
        return []
    return [int(v) for v in element.xpath(f".//*[@{attribute}]/@{attribute}")]


def text(tree, element_id: str) -> str:
    return " ".join(tree.get_element_by_id(element_id).text_content().split())


def declaration(supplier, name: str, status: str, *, days_ago: float = 0, errors: int = 0, sha: str = ""):
    row = Declaration.objects.create(
        supplier=supplier,
        original_name=name,
        sha256=(sha or f"{name}{status}{days_ago}").ljust(64, "0")[:64],
        size=1,
        status=status,
        error_count=errors,
    )
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Declaration.objects.filter(pk=row.pk).update(created_at=when, finished_at=when)
    return row


def test_home_still_shows_company_sites_members_and_invitations(world):
    tree = doc(world.client_for(world.sup_a).get(HOME))
    page = " ".join(tree.text_content().split())
    assert "Alpha Parts Ltd" in page and "Alpha Factory" in page
    assert world.sup_a_contrib.email in page and world.invitation_a.email in page
    assert tree.xpath(f'//a[@href="{reverse("supplier:invitation_new")}"]')
    assert "Nothing is waiting for you." in text(tree, "todo")
    assert "No score yet" in text(tree, "scores")


def test_surveys_due_overdue_first_and_returned_with_the_reviewers_note(world):
    env = publish("env-activity-2026.1.json")
    today = timezone.localdate()
    later = open_campaign(world, env, name="Later", due_on=today + datetime.timedelta(days=20))
    overdue = open_campaign(
        world,
        env,
        name="Overdue",
        opens_on=today - datetime.timedelta(days=40),
        due_on=today - datetime.timedelta(days=3),
    )
    # Not yet open, and closed: nothing to do for either.
    open_campaign(
        world,
        env,
        name="Future",
        opens_on=today + datetime.timedelta(days=5),
        due_on=today + datetime.timedelta(days=50),
    )
    closed = open_campaign(world, env, name="Closed")
    Campaign.objects.filter(pk=closed.pk).update(status=Campaign.Status.CLOSED)
    # A response submitted and returned with a note.
    returned_campaign = open_campaign(world, env, name="Returned one")
    returned = Response.objects.get(campaign=returned_campaign, supplier=world.supplier_a)
    response_services.response_save(returned, by=world.sup_a, values=COMPLETE)
    assert response_services.response_submit(returned, by=world.sup_a) == []
    response_services.response_return(
        returned, by=world.staff_a, note="Please attach your ISO 14001 certificate"
    )

    tree = doc(world.client_for(world.sup_a).get(HOME))
    expected = [Response.objects.get(campaign=c, supplier=world.supplier_a).pk for c in (overdue, later)]
    assert ids(tree, "todo-surveys", "data-response") == expected
    surveys = text(tree, "todo-surveys")
    assert "overdue by 3 days" in surveys and "in 20 days" in surveys
    assert (today - datetime.timedelta(days=3)).isoformat() in surveys
    assert reverse("supplier:survey_response", kwargs={"response_pk": expected[0]}) in tree.get_element_by_id(
        "todo-surveys"
    ).xpath(".//a/@href")
    assert ids(tree, "todo-returned", "data-response") == [returned.pk]
    returned_text = text(tree, "todo-returned")
    assert (
        "Please attach your ISO 14001 certificate" in returned_text
        and world.staff_a.full_name in returned_text
    )


def test_declarations_rejected_unless_corrected_and_products_needing_a_new_one(world, gpg):
    recent = declaration(world.supplier_a, "parts.shai", Declaration.Status.REJECTED, days_ago=2, errors=4)
    declaration(world.supplier_a, "old.shai", Declaration.Status.REJECTED, days_ago=45)
    declaration(world.supplier_a, "fixed.shai", Declaration.Status.REJECTED, days_ago=3)
    declaration(world.supplier_a, "fixed.shai", Declaration.Status.STORED, days_ago=1)
    failing = make_product(world.supplier_a, "CAP-200", gpg, verdict="non_compliant")
    incomplete = make_product(world.supplier_a, "RES-300", gpg, verdict="incomplete")
    incomplete.evaluations.update(unknown_count=2)
    make_product(world.supplier_a, "SW-100", gpg)  # compliant: nothing to do
    make_product(world.supplier_a, "DRAFT-1", gpg, verdict="non_compliant", status=Product.Status.DRAFT)
    run = ReevaluationRun.objects.create(regulated_list=gpg, status=ReevaluationRun.Status.DONE)
    VerdictChange.objects.create(
        run=run,
        product=failing,
        supplier=world.supplier_a,
        old_verdict="compliant",
        new_verdict="non_compliant",
    )

    tree = doc(world.client_for(world.sup_a).get(HOME))
    assert ids(tree, "todo-rejected", "data-declaration") == [recent.pk]
    assert reverse(
        "supplier:declaration_detail", kwargs={"declaration_pk": recent.pk}
    ) in tree.get_element_by_id("todo-rejected").xpath(".//a/@href")
    assert "4 errors" in text(tree, "todo-rejected")
    assert ids(tree, "todo-products", "data-product") == [failing.pk, incomplete.pk]  # worst first
    products = text(tree, "todo-products")
    assert "changed by the update to list GPG-13.0" in products
    assert "2 substances could not be judged" in products


def test_certificates_to_renew_soonest_first_until_renewed(world, gpg):
    today = timezone.localdate()
    expired = issued_without_pdf(
        world.supplier_a, gpg, ["A-1"], valid_until=today - datetime.timedelta(days=2)
    )
    soon = issued_without_pdf(world.supplier_a, gpg, ["B-1"], valid_until=today + datetime.timedelta(days=20))
    edge = issued_without_pdf(
        world.supplier_a, gpg, ["C-1"], valid_until=today + datetime.timedelta(days=RENEWAL_WINDOW_DAYS)
    )
    issued_without_pdf(world.supplier_a, gpg, ["D-1"], valid_until=today + datetime.timedelta(days=200))
    issued_without_pdf(
        world.supplier_a,
        gpg,
        ["E-1"],
        valid_until=today + datetime.timedelta(days=5),
        status=Certificate.Status.REVOKED,
    )
    renewed = issued_without_pdf(
        world.supplier_a, gpg, ["F-1", "F-2"], valid_until=today + datetime.timedelta(days=9)
    )
    # F-1 and F-2 are on a newer certificate valid for a year: renewed. G-1 is half renewed: still due.
    half = issued_without_pdf(
        world.supplier_a, gpg, ["G-1", "G-2"], valid_until=today + datetime.timedelta(days=30)
    )
    issued_without_pdf(world.supplier_a, gpg, ["F-1", "F-2", "G-1"])
    Certificate.objects.filter(pk__in=[renewed.pk, half.pk]).update(
        requested_at=timezone.now() - datetime.timedelta(days=300)
    )

    tree = doc(world.client_for(world.sup_a).get(HOME))
    assert ids(tree, "todo-certificates", "data-certificate") == [expired.pk, soon.pk, half.pk, edge.pk]
    certificates = text(tree, "todo-certificates")
    assert "Expired" in certificates and "in 20 days" in certificates
    assert reverse("supplier:certificate_request") in tree.get_element_by_id("todo").xpath(".//a/@href")


def test_own_scores_latest_per_questionnaire_with_the_explanation_link(world):
    env = publish("env-activity-2026.1.json")
    today = timezone.localdate()
    older = open_campaign(
        world, env, year=today.year - 1, name="Last year", opens_on=today - datetime.timedelta(days=300)
    )
    newer = open_campaign(world, env, name="This year")
    responses = {}
    for campaign, b1 in ((older, "planned"), (newer, "implemented")):
        response = Response.objects.get(campaign=campaign, supplier=world.supplier_a)
        response_services.response_save(response, by=world.sup_a, values={**COMPLETE, "B1": b1})
        assert response_services.response_submit(response, by=world.sup_a) == []
        responses[campaign.name] = response
    response_services.response_accept(responses["Last year"], by=world.staff_a)
    latest = Response.objects.get(pk=responses["This year"].pk)

    tree = doc(world.client_for(world.sup_a).get(HOME))
    assert ids(tree, "scores", "data-response") == [latest.pk]
    scores = text(tree, "scores")
    assert f"{latest.score:.1f}" in scores and f"Rating {latest.grade}" in scores and "Submitted" in scores
    assert reverse("supplier:survey_score", kwargs={"response_pk": latest.pk}) in tree.get_element_by_id(
        "scores"
    ).xpath(".//a/@href")
    assert (
        world.client_for(world.sup_a)
        .get(reverse("supplier:survey_score", kwargs={"response_pk": latest.pk}))
        .status_code
        == 200
    )


def test_a_supplier_sees_only_its_own_to_dos(world, gpg):
    env = publish("env-activity-2026.1.json")
    open_campaign(world, env, name="Both")  # sent to both suppliers
    theirs = declaration(world.supplier_b, "beta.shai", Declaration.Status.REJECTED, days_ago=1)
    beta_product = make_product(world.supplier_b, "BETA-1", gpg, verdict="incomplete")
    beta_certificate = issued_without_pdf(
        world.supplier_b, gpg, ["BETA-1"], valid_until=timezone.localdate() + datetime.timedelta(days=3)
    )
    tree = doc(world.client_for(world.sup_a).get(HOME))
    own = Response.objects.get(campaign__name="Both", supplier=world.supplier_a)
    assert ids(tree, "todo-surveys", "data-response") == [own.pk]
    assert theirs.pk not in ids(tree, "todo", "data-declaration")
    assert beta_product.pk not in ids(tree, "todo", "data-product")
    assert beta_certificate.pk not in ids(tree, "todo", "data-certificate")
    assert "beta.shai" not in tree.text_content() and "BETA-1" not in tree.text_content()
    # And supplier B sees its own.
    tree_b = doc(world.client_for(world.sup_b).get(HOME))
    assert ids(tree_b, "todo-rejected", "data-declaration") == [theirs.pk]
    assert ids(tree_b, "todo-certificates", "data-certificate") == [beta_certificate.pk]


def test_the_empty_path_resolves_to_the_compliance_home_page():
    # compliance's supplier patterns come after the suppliers app's in the root urls: "" must still reach
    # this page (and nothing else may claim it).
    assert HOME == "/supplier/"
    assert resolve(HOME).func.__module__ == "compliance.views.supplier_home"


def test_staff_and_anonymous_are_refused(world):
    assert world.client_for(world.staff_a).get(HOME).status_code == 403
    response = world.client_for(None).get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert world.client_for(world.sup_a).post(HOME).status_code == 405


# --- Queries ------------------------------------------------------------------------------------------


def populate(world, regulated_list, start: int, count: int) -> None:
    """COUNT more of every kind of to-do and score for supplier A, written in bulk."""
    supplier, today = world.supplier_a, timezone.localdate()
    questionnaire = publish("env-activity-2026.1.json")
    for status in (Response.Status.DRAFT, Response.Status.RETURNED, Response.Status.ACCEPTED):
        campaigns = Campaign.objects.bulk_create(
            Campaign(
                name=f"{status} {i}",
                year=today.year,
                questionnaire=questionnaire,
                opens_on=today - datetime.timedelta(days=10),
                due_on=today + datetime.timedelta(days=i % 40 - 5),
            )
            for i in range(start, start + count)
        )
        scored = status == Response.Status.ACCEPTED
        responses = Response.objects.bulk_create(
            Response(
                campaign=c,
                supplier=supplier,
                status=status,
                score=70.0 if scored else None,
                grade="B" if scored else "",
            )
            for c in campaigns
        )
        if status == Response.Status.RETURNED:
            for r in responses:
                r.versions.create(
                    number=2,
                    event="returned",
                    status=status,
                    note="Fix B1",
                    by=world.staff_a,
                    at=timezone.now(),
                )
    Declaration.objects.bulk_create(
        Declaration(
            supplier=supplier, original_name=f"bad-{i}.shai", sha256=f"{i:064d}", size=1, status="rejected"
        )
        for i in range(start, start + count)
    )
    products = Product.objects.bulk_create(
        Product(
            supplier=supplier,
            part_number=f"P-{i:04d}",
            verdict=("incomplete", "non_compliant")[i % 2],
            verdict_list=regulated_list,
        )
        for i in range(start, start + count)
    )
    run = ReevaluationRun.objects.create(regulated_list=regulated_list)
    VerdictChange.objects.bulk_create(
        VerdictChange(run=run, product=p, supplier=supplier, old_verdict="compliant", new_verdict=p.verdict)
        for p in products
    )
    for i in range(start, start + count):
        issued_without_pdf(
            supplier,
            regulated_list,
            [f"P-{i:04d}"],
            number=f"NIG-HOME-{i:06d}",
            valid_until=today + datetime.timedelta(days=i % 70 - 10),
        )


def queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(HOME).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_to_do_list(world, gpg, django_assert_max_num_queries):
    client = world.client_for(world.sup_a)
    populate(world, gpg, 0, 3)
    client.get(HOME)  # warm-up: session and per-process caches
    small = queries(client)
    populate(world, gpg, 3, 27)
    with django_assert_max_num_queries(small):
        response = client.get(HOME)
    todo = response.context["todo"]
    assert todo["surveys_due"].total == 30 and len(todo["surveys_due"].rows) == LIST_LIMIT
    assert todo["responses_returned"].total == 30 and todo["declarations_rejected"].total == 30
    assert todo["products_needing_declaration"].total == 30
    assert todo["certificates_to_renew"].total == sum(
        1 for i in range(30) if i % 70 - 10 <= RENEWAL_WINDOW_DAYS
    )
    assert len(response.context["scores"]) == 1
    assert queries(client) == small
    assert small <= 20
    html = response.content.decode()
    assert "and 20 more" in html


@pytest.mark.parametrize("language, expected", [("ja", "拠点"), ("zh-hans", "场所")])
def test_home_renders_in_each_language(world, settings, language, expected):
    client = world.client_for(world.sup_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(HOME).content.decode()
    assert f'<html lang="{language}">' in html and expected in html
