"""Requesting and signing: who may, which products, what the signature records (GPG 13.0 §2.2)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from chemicals.models import Product, RegulatedList
from compliance import certificate_services
from compliance.models import Certificate
from tests.compliance.conftest import LEAD_EXEMPTION, make_product, request_and_sign

REQUEST = "supplier:certificate_request"


@pytest.fixture
def switch(world, gpg):
    return make_product(world.supplier_a, "SW-100", gpg, name="Touch switch", exemptions=[LEAD_EXEMPTION])


def _post(client, chosen, **overrides):
    data = {
        "products": [p.pk for p in chosen],
        "language": "en",
        "signer_name": "Aiko Tanaka",
        "signer_title": "Quality Manager",
        "confirm": "on",
        **overrides,
    }
    return client.post(
        reverse(REQUEST), data, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 (TestBrowser)"
    )


def test_admin_requests_and_signs_through_the_page(
    world, switch, settings, django_capture_on_commit_callbacks
):
    settings.CERTIFICATE_VALIDITY_DAYS = 180
    client = world.client_for(world.sup_a)
    page = client.get(reverse(REQUEST)).content.decode()
    assert "SW-100" in page and "Touch switch" in page
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post(client, [switch])
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "supplier:certificate_detail", kwargs={"certificate_pk": certificate.pk}
    )
    assert len(callbacks) == 1  # the render was enqueued after commit, and ran
    # who, when, from where, with what, and the typed name and title
    assert certificate.signed_by == world.sup_a and certificate.requested_by == world.sup_a
    assert before <= certificate.signed_at <= timezone.now()
    assert certificate.signed_ip == "203.0.113.7"
    assert certificate.signed_user_agent == "Mozilla/5.0 (TestBrowser)"
    assert (certificate.signer_name, certificate.signer_title) == ("Aiko Tanaka", "Quality Manager")
    today = timezone.localdate()
    assert certificate.issued_on == today
    assert certificate.valid_until == today + datetime.timedelta(days=180)
    assert re.fullmatch(rf"NIG-{today.year}-\d{{6}}", certificate.number)
    assert len(certificate.verification_code) >= 20
    assert certificate.regulated_list.code == "GPG-13.0"
    # the snapshot of what was signed
    row = certificate.products.get()
    assert (row.product_id, row.part_number, row.name, row.revision) == (
        switch.pk,
        "SW-100",
        "Touch switch",
        1,
    )
    assert row.exemptions == [LEAD_EXEMPTION]
    assert certificate.status == Certificate.Status.ISSUED and certificate.pdf


def test_verification_codes_are_unique_and_random(world, switch):
    codes = {certificate_services.new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-Z2-7]{32}", c) for c in codes)


def test_contributor_may_not_request(world, switch):
    client = world.client_for(world.sup_a_contrib)
    assert client.get(reverse(REQUEST)).status_code == 403
    assert _post(client, [switch]).status_code == 403
    with pytest.raises(PermissionDenied):
        certificate_services.certificate_request(
            by=world.sup_a_contrib, supplier=world.supplier_a, product_ids=[switch.pk], language="en"
        )
    # and the list does not offer it
    assert reverse(REQUEST) not in client.get(reverse("supplier:certificate_list")).content.decode()
    assert not Certificate.objects.exists()


def test_staff_and_other_suppliers_admin_may_not_request_for_a(world, switch):
    assert world.client_for(world.staff_a).get(reverse(REQUEST)).status_code == 403
    with pytest.raises(PermissionDenied):
        certificate_services.certificate_request(
            by=world.sup_b, supplier=world.supplier_a, product_ids=[switch.pk], language="en"
        )
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("non_compliant", "SW-200 (revision 1) is not compliant with GPG-13.0."),
        ("incomplete", "SW-200 (revision 1) is not compliant with GPG-13.0."),
        ("not_evaluated", "SW-200 (revision 1) has not been evaluated yet."),
        ("draft", "SW-200 (revision 1) is a draft"),
        ("old_revision", "SW-200 (revision 1) has been replaced by a newer revision."),
        ("other_list", "has not been evaluated against the active list GPG-13.0"),
    ],
)
def test_products_that_may_not_be_certified_are_refused_with_a_clear_error(
    world, gpg, switch, kind, expected
):
    verdict = {"non_compliant": "non_compliant", "incomplete": "incomplete", "not_evaluated": ""}.get(
        kind, "compliant"
    )
    regulated_list = gpg
    if kind == "other_list":
        regulated_list = RegulatedList.objects.create(
            code="GPG-12.0", title={"en": "old"}, version="12.0", status=RegulatedList.Status.RETIRED
        )
    product = make_product(
        world.supplier_a,
        "SW-200",
        regulated_list,
        verdict=verdict,
        status=Product.Status.DRAFT if kind == "draft" else Product.Status.SUBMITTED,
        is_current=kind != "old_revision",
    )
    if kind == "old_revision":
        make_product(world.supplier_a, "SW-200", gpg, revision=2)
    response = _post(world.client_for(world.sup_a), [switch, product])
    assert response.status_code == 400
    assert expected in response.content.decode().replace("&quot;", '"')
    assert not Certificate.objects.exists()
    with pytest.raises(ValidationError) as refused:
        certificate_services.certificate_request(
            by=world.sup_a, supplier=world.supplier_a, product_ids=[product.pk], language="en"
        )
    assert any(expected in m for m in refused.value.message_dict["products"])


def test_another_suppliers_product_is_refused_without_naming_it(world, gpg, switch):
    theirs = make_product(world.supplier_b, "BETA-SECRET-1", gpg)
    response = _post(world.client_for(world.sup_a), [switch, theirs])
    html = response.content.decode()
    assert response.status_code == 400
    assert "do not exist or are not yours" in html
    assert "BETA-SECRET-1" not in html
    # nor is it offered
    assert "BETA-SECRET-1" not in world.client_for(world.sup_a).get(reverse(REQUEST)).content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    "overrides, field_error",
    [
        ({"signer_name": "  "}, "This field is required."),
        ({"signer_title": ""}, "This field is required."),
        ({"confirm": ""}, "Tick the confirmation to sign the guarantee."),
        ({"products": []}, "Choose at least one product."),
        ({"language": "fr"}, "Select a valid choice."),
    ],
)
def test_signature_and_choices_are_required(world, switch, overrides, field_error):
    response = _post(world.client_for(world.sup_a), [switch], **overrides)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not Certificate.objects.exists()


def test_sign_service_requires_name_title_and_confirmation(world, switch):
    certificate = certificate_services.certificate_request(
        by=world.sup_a, supplier=world.supplier_a, product_ids=[switch.pk], language="ja"
    )
    with pytest.raises(ValidationError) as refused:
        certificate_services.certificate_sign(
            certificate=certificate,
            by=world.sup_a,
            signer_name=" ",
            signer_title="",
            confirmed=False,
            ip="192.0.2.1",
            user_agent="x",
        )
    assert set(refused.value.message_dict) == {"signer_name", "signer_title", "confirm"}
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REQUESTED and certificate.signed_at is None
    # a contributor cannot sign what an administrator requested
    with pytest.raises(PermissionDenied):
        certificate_services.certificate_sign(
            certificate=certificate,
            by=world.sup_a_contrib,
            signer_name="X",
            signer_title="Y",
            confirmed=True,
            ip=None,
            user_agent="",
        )


def test_a_signed_certificate_cannot_be_signed_again(world, switch):
    certificate = request_and_sign(world.sup_a, world.supplier_a, [switch])
    with pytest.raises(ValidationError):
        certificate_services.certificate_sign(
            certificate=certificate,
            by=world.sup_a,
            signer_name="Someone Else",
            signer_title="CEO",
            confirmed=True,
            ip="198.51.100.1",
            user_agent="other",
        )
    certificate.refresh_from_db()
    assert certificate.signer_name == "Aiko Tanaka" and certificate.signed_ip == "192.0.2.10"


def test_no_active_list_means_no_certificate(world, switch, gpg):
    gpg.status = RegulatedList.Status.RETIRED
    gpg.save()
    with pytest.raises(ValidationError, match="no active substance list"):
        certificate_services.certificate_request(
            by=world.sup_a, supplier=world.supplier_a, product_ids=[switch.pk], language="en"
        )
