"""A certificate is revoked when a product on it, or another revision of that part number, stops
being compliant; chemicals announces that with its verdicts_changed signal (sent after commit)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from chemicals.models import Product
from chemicals.signals import verdicts_changed
from compliance import certificate_services
from compliance.models import Certificate
from tests.compliance.conftest import issue, issued_without_pdf, make_product, request_and_sign


def _changed(*changes):
    verdicts_changed.send(sender=Product, changes=list(changes))


@pytest.fixture
def switch(world, gpg):
    return make_product(world.supplier_a, "SW-100", gpg)


@pytest.fixture
def certificate(world, switch):
    return issue(world.sup_a, world.supplier_a, [switch])


def test_the_signal_revokes_a_certificate_naming_the_product(world, switch, certificate):
    before = timezone.now()
    _changed((switch.pk, "compliant", "non_compliant"))
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert before <= certificate.revoked_at <= timezone.now()
    assert "SW-100" in certificate.revoked_reason and "GPG-13.0" in certificate.revoked_reason
    assert "Not compliant" in certificate.revoked_reason
    # the PDF stays as the record; the public page now says revoked, with the date
    assert certificate.pdf
    page = world.client_for(None).get(
        reverse("certificate_verify", kwargs={"code": certificate.verification_code})
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "revoked on" in html and certificate.revoked_at.date().isoformat() in html


def test_a_new_revision_of_the_part_number_revokes_it_too(world, gpg, switch, certificate):
    Product.objects.filter(pk=switch.pk).update(is_current=False)
    revision_2 = make_product(world.supplier_a, "SW-100", gpg, revision=2, verdict="incomplete")
    _changed((revision_2.pk, "", "incomplete"))
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert "SW-100 revision 2" in certificate.revoked_reason


@pytest.mark.parametrize(
    "old, new", [("non_compliant", "compliant"), ("", "compliant"), ("compliant", "compliant")]
)
def test_becoming_or_staying_compliant_revokes_nothing(world, switch, certificate, old, new):
    _changed((switch.pk, old, new))
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED and certificate.revoked_at is None


def test_other_part_numbers_and_other_suppliers_are_left_alone(world, gpg, switch, certificate):
    other_part = make_product(world.supplier_a, "CAP-1", gpg, verdict="non_compliant")
    same_part_of_b = make_product(world.supplier_b, "SW-100", gpg, verdict="non_compliant")
    b_certificate = issued_without_pdf(world.supplier_b, gpg, ["CAP-1"])
    _changed((other_part.pk, "compliant", "non_compliant"), (same_part_of_b.pk, "compliant", "non_compliant"))
    certificate.refresh_from_db()
    b_certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED
    assert b_certificate.status == Certificate.Status.ISSUED


def test_only_certificates_naming_it_among_several(world, gpg, switch, certificate):
    capacitor = make_product(world.supplier_a, "CAP-1", gpg)
    unrelated = issue(world.sup_a, world.supplier_a, [capacitor])
    both = issue(world.sup_a, world.supplier_a, [capacitor, switch])
    revoked = certificate_services.certificates_revoke_for_verdicts(
        [(switch.pk, "compliant", "non_compliant")]
    )
    assert sorted(r.certificate_id for r in revoked) == sorted([certificate.pk, both.pk])
    unrelated.refresh_from_db()
    assert unrelated.status == Certificate.Status.ISSUED
    # a second delivery of the same signal changes nothing more
    first = Certificate.objects.get(pk=certificate.pk).revoked_at
    assert (
        certificate_services.certificates_revoke_for_verdicts([(switch.pk, "compliant", "non_compliant")])
        == []
    )
    assert Certificate.objects.get(pk=certificate.pk).revoked_at == first


def test_an_expired_certificate_stays_expired(world, gpg, switch):
    old = issued_without_pdf(
        world.supplier_a,
        gpg,
        ["SW-100"],
        issued_on=timezone.localdate() - datetime.timedelta(days=400),
        valid_until=timezone.localdate() - datetime.timedelta(days=35),
    )
    _changed((switch.pk, "compliant", "non_compliant"))
    old.refresh_from_db()
    assert old.status == Certificate.Status.ISSUED and old.current_state == "expired"


def test_a_certificate_being_rendered_is_revoked_and_gets_no_pdf(world, switch):
    pending = request_and_sign(world.sup_a, world.supplier_a, [switch])
    _changed((switch.pk, "compliant", "non_compliant"))
    assert certificate_services.certificate_render(pending.pk) == "skipped"
    pending.refresh_from_db()
    assert pending.status == Certificate.Status.REVOKED and not pending.pdf
    # never handed out, so the public page does not know it
    response = world.client_for(None).get(
        reverse("certificate_verify", kwargs={"code": pending.verification_code})
    )
    assert response.status_code == 404
