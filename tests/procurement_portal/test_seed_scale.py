"""seed_scale with tiny numbers: counts, the verdict mix, scores and verdicts that the engines confirm
for the stored data, tenancy, reset and determinism."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from chemicals.evaluation import evaluate
from chemicals.evaluation_selectors import active_list, rules_for_list
from chemicals.models import Declaration, Product, ProductEvaluation, SubstanceEntry, VerdictChange
from chemicals.product_selectors import product_trees
from compliance.models import EXPIRED, Certificate, CertificateProduct
from procurement_portal import scale_data
from suppliers.models import Membership, Site, Supplier, User
from suppliers.roles import Role
from surveys import answers as answer_rules
from surveys import scoring
from surveys.models import Campaign, EvidenceFile, Response, ResponseVersion

SUPPLIERS, PRODUCTS, SUBSTANCES = 20, 60, 600


def _seed(**extra) -> None:
    options = {"suppliers": SUPPLIERS, "products": PRODUCTS, "substances": SUBSTANCES, "seed": 7, "pdfs": 0}
    call_command("seed_scale", **{**options, **extra}, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One seeded database for the module's tests, rolled back afterwards."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            _seed(pdfs=1)
            yield media
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def scale_suppliers():
    return scale_data.scale_suppliers()


@pytest.mark.django_db
def test_counts_and_shape(seeded):
    suppliers = scale_suppliers()
    assert suppliers.count() == SUPPLIERS
    products = Product.objects.filter(supplier__in=suppliers)
    assert products.count() == PRODUCTS
    assert products.filter(is_current=True).count() == PRODUCTS
    assert SubstanceEntry.objects.filter(product__in=products).count() == SUBSTANCES
    assert len(set(suppliers.values_list("country", flat=True))) >= 4
    sites = Counter(Site.objects.filter(supplier__in=suppliers).values_list("supplier_id", flat=True))
    assert set(sites) == set(suppliers.values_list("pk", flat=True))
    assert set(sites.values()) <= {1, 2, 3}
    admins = Counter(
        Membership.objects.filter(supplier__in=suppliers, role=Role.SUPPLIER_ADMIN)
        .exclude(user__email=scale_data.SUPPLIER_EMAIL)
        .values_list("supplier_id", flat=True)
    )
    assert set(admins.values()) == {1} and len(admins) == SUPPLIERS
    assert all(s.buyer_units.exists() for s in suppliers)
    # Two years of two questionnaires; one response per active supplier in each campaign.
    active = suppliers.filter(status=Supplier.Status.ACTIVE).count()
    campaigns = Campaign.objects.filter(created_by__email=scale_data.STAFF_EMAIL)
    assert sorted(campaigns.values_list("questionnaire__code", "year")) == sorted(
        (code, year)
        for code in ("env_activity", "saq")
        for year in (timezone.localdate().year - 1, timezone.localdate().year)
    )
    for campaign in campaigns:
        assert campaign.responses.count() == active
    statuses = Counter(Response.objects.filter(campaign__in=campaigns).values_list("status", flat=True))
    assert set(statuses) == {s.value for s in Response.Status}
    # The audit trail ends with the response's own revision.
    for response in Response.objects.filter(campaign__in=campaigns):
        last = response.versions.order_by("-number").first()
        assert (last.number, last.status) == (response.revision, response.status)
    assert Declaration.objects.filter(supplier__in=suppliers, status="stored").exists()
    assert Certificate.objects.filter(supplier__in=suppliers).exists()


@pytest.mark.django_db
def test_verdicts_are_what_the_engine_says_about_the_stored_trees(seeded):
    products = list(Product.objects.filter(supplier__in=scale_suppliers(), status=Product.Status.SUBMITTED))
    verdicts = Counter(p.verdict for p in products)
    assert verdicts["compliant"] > verdicts["incomplete"] + verdicts["non_compliant"]
    assert verdicts["non_compliant"] >= 1
    assert verdicts["incomplete"] >= 1
    regulated_list = active_list()
    rules = rules_for_list(regulated_list)
    trees = product_trees(products)
    evaluations = {
        e.product_id: e
        for e in ProductEvaluation.objects.filter(product__in=products, regulated_list=regulated_list)
    }
    assert len(evaluations) == len(products)
    for product in products:
        result = evaluate(trees[product.pk], rules, timezone.localdate())
        stored = evaluations[product.pk]
        assert product.verdict == stored.verdict == result.verdict
        assert stored.findings == [f.as_dict() for f in result.findings]
        assert stored.breached_groups == result.breached_groups
        assert stored.exemptions_relied_on == result.exemptions_relied_on
        assert (stored.unknown_count, stored.declared_count) == (
            result.count("UNKNOWN"),
            result.count("DECLARED"),
        )
        if product.verdict == "non_compliant":
            assert stored.breached_groups
    drafts = Product.objects.filter(supplier__in=scale_suppliers(), status=Product.Status.DRAFT)
    assert all(p.verdict == "" for p in drafts)
    # The re-evaluation story: every recorded change ends in the product's current verdict.
    for change in VerdictChange.objects.filter(product__in=products).select_related("product"):
        assert change.new_verdict == change.product.verdict != "compliant"


@pytest.mark.django_db
def test_scores_are_what_the_survey_engine_computes_for_the_stored_answers(seeded):
    responses = Response.objects.filter(supplier__in=scale_suppliers()).select_related(
        "campaign__questionnaire"
    )
    scored = 0
    for response in responses:
        questionnaire = response.campaign.questionnaire.questionnaire
        files = Counter(EvidenceFile.objects.filter(response=response).values_list("question", flat=True))
        progress = answer_rules.progress(questionnaire, response.answers, files)
        assert (response.answered, response.required) == (progress.answered, progress.required)
        if response.status == Response.Status.NOT_STARTED:
            assert (response.answers, response.score, response.score_detail) == ({}, None, {})
            continue
        card = scoring.score(questionnaire, response.answers)
        assert response.score == round(card.overall, 2)
        assert response.grade == (card.band or card.rating)
        assert response.score_detail == card.as_dict()
        if response.status != Response.Status.DRAFT:
            assert answer_rules.submission_problems(questionnaire, response.answers, files) == []
            submitted = response.versions.get(event=ResponseVersion.Event.SUBMITTED)
            assert (submitted.answers, submitted.score) == (response.answers, response.score)
        scored += 1
    assert scored > SUPPLIERS


@pytest.mark.django_db
def test_tenancy_holds_for_the_known_logins(seeded, client):
    supplier_user = User.objects.get(email=scale_data.SUPPLIER_EMAIL)
    own = Membership.objects.get(user=supplier_user).supplier
    visible = Product.objects.visible_to(supplier_user)
    assert visible.count() == Product.objects.filter(supplier=own).count() > 0
    assert set(visible.values_list("supplier_id", flat=True)) == {own.pk}
    assert set(Response.objects.visible_to(supplier_user).values_list("supplier_id", flat=True)) == {own.pk}

    client.force_login(supplier_user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("supplier:product_list"))
    assert page.status_code == 200
    other = Product.objects.exclude(supplier=own).filter(supplier__in=scale_suppliers()).first()
    assert other.part_number not in page.content.decode()
    assert client.get(reverse("supplier:product_detail", args=[other.pk])).status_code == 404
    mine = visible.first()
    assert client.get(reverse("supplier:product_detail", args=[mine.pk])).status_code == 200

    unit_staff = User.objects.get(email=scale_data.UNIT_STAFF_EMAIL)
    unit = Membership.objects.get(user=unit_staff).buyer_unit
    seen = Supplier.objects.visible_to(unit_staff).filter(pk__in=scale_suppliers())
    assert seen.count() == scale_suppliers().filter(buyer_units=unit).count()
    assert 0 < seen.count() < SUPPLIERS
    staff = User.objects.get(email=scale_data.STAFF_EMAIL)
    assert Supplier.objects.visible_to(staff).filter(pk__in=scale_suppliers()).count() == SUPPLIERS


@pytest.mark.django_db
def test_certificates_and_declarations(seeded):
    suppliers = scale_suppliers()
    certificates = Certificate.objects.filter(supplier__in=suppliers)
    states = Counter(c.current_state for c in certificates)
    assert states[Certificate.Status.ISSUED] >= 1
    assert states[Certificate.Status.ISSUED] + states[EXPIRED] > states[Certificate.Status.REVOKED]
    for line in CertificateProduct.objects.filter(certificate__in=certificates).select_related("product"):
        assert line.product.supplier_id == line.certificate.supplier_id
        if line.certificate.status == Certificate.Status.ISSUED:
            assert line.product.verdict == "compliant"
    revoked = certificates.filter(status=Certificate.Status.REVOKED)
    for certificate in revoked:
        assert (
            certificate.revoked_reason
            and certificate.products.filter(product__verdict="non_compliant").exists()
        )
    # The known supplier's certificate was drawn by the real renderer.
    rendered = certificates.exclude(pdf="")
    assert rendered.count() == 1
    assert (seeded / rendered.get().pdf.name).read_bytes().startswith(b"%PDF")
    for declaration in Declaration.objects.filter(supplier__in=suppliers, status="stored"):
        stored = (seeded / declaration.file.name).read_bytes()
        assert len(stored) == declaration.size
        assert declaration.products.get().supplier_id == declaration.supplier_id
    for declaration in Declaration.objects.filter(supplier__in=suppliers, status="rejected"):
        assert declaration.error_count >= 1 and not declaration.file


@pytest.mark.django_db
def test_reset_and_same_seed_same_data(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)

    def fingerprint():
        suppliers = scale_suppliers().order_by("duns")
        return (
            list(suppliers.values_list("legal_name", "country", "status")),
            list(
                Product.objects.filter(supplier__in=suppliers)
                .order_by("supplier__duns", "part_number")
                .values_list("part_number", "name", "verdict", "mass_mg")
            ),
            list(
                Response.objects.filter(supplier__in=suppliers)
                .order_by("campaign__year", "campaign__questionnaire__code", "supplier__duns")
                .values_list("status", "score", "grade")
            ),
        )

    # --reset also clears the module's data set when it is there; the test's rollback brings it back.
    _seed(suppliers=8, products=20, substances=120, reset=True)
    first = fingerprint()
    with pytest.raises(CommandError, match="--reset"):
        _seed(suppliers=8, products=20, substances=120)
    _seed(suppliers=8, products=20, substances=120, reset=True)
    assert fingerprint() == first
    assert scale_suppliers().count() == 8
    assert User.objects.filter(email__in=scale_data.KNOWN_EMAILS).count() == 3


@pytest.mark.django_db
def test_sqlite_refuses_benchmark_sizes():
    if connection.vendor != "sqlite":
        pytest.skip("the size limit is SQLite's")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("seed_scale", suppliers=10_000, products=100_000, substances=1_000_000)
