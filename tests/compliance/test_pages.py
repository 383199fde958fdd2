"""The pages: public verification, the supplier's and staff's lists, details, status, PDF, export,
and the tenancy rule on every certificate URL (another tenant's certificate is 404, also for POST)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.models import Certificate
from tests.compliance.conftest import issue, issued_without_pdf, make_product

DAY = datetime.timedelta(days=1)


def _verify(client, code):
    return client.get(reverse("certificate_verify", kwargs={"code": code}))


@pytest.fixture
def issued(world, gpg):
    product = make_product(world.supplier_a, "SW-100", gpg, name="Secret product name")
    return issue(world.sup_a, world.supplier_a, [product], signer_name="Aiko Tanaka")


# --- Public verification --------------------------------------------------------------------------


def test_verify_a_valid_certificate_says_only_what_is_printed(world, issued):
    response = _verify(world.client_for(None), issued.verification_code)
    html = response.content.decode()
    assert response.status_code == 200
    assert "authentic and valid" in html
    for shown in (issued.number, "Alpha Parts Ltd", "SW-100", issued.issued_on.isoformat()):
        assert shown in html
    assert issued.valid_until.isoformat() in html
    # nothing else: not the signer, the product names, the IP, the list or the local name
    for hidden in ("Aiko Tanaka", "Secret product name", "192.0.2.10", "Quality Manager", "アルファ部品"):
        assert hidden not in html
    assert 'name="robots" content="noindex' in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # a code typed in lower case still works
    assert _verify(world.client_for(None), issued.verification_code.lower()).status_code == 200


def test_verify_an_expired_certificate(world, gpg):
    expired = issued_without_pdf(world.supplier_a, gpg, ["SW-100"], valid_until=timezone.localdate() - DAY)
    html = _verify(world.client_for(None), expired.verification_code).content.decode()
    assert "authentic but expired on" in html and (timezone.localdate() - DAY).isoformat() in html
    assert "authentic and valid" not in html


def test_verify_a_revoked_certificate_gives_the_date(world, gpg):
    revoked_at = timezone.now() - 3 * DAY
    revoked = issued_without_pdf(
        world.supplier_a, gpg, ["SW-100"], status=Certificate.Status.REVOKED, revoked_at=revoked_at
    )
    html = _verify(world.client_for(world.sup_b), revoked.verification_code).content.decode()
    assert f"revoked on {revoked_at.date().isoformat()}" in html
    assert "authentic and valid" not in html


@pytest.mark.parametrize("code", ["UNKNOWNCODEUNKNOWNCODEUNKNOWNCOD", "x", "A" * 200])
def test_verify_an_unknown_code_is_not_found(world, issued, code):
    response = _verify(world.client_for(None), code)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert issued.number not in response.content.decode()


def test_verify_does_not_know_a_certificate_not_yet_issued(world, gpg):
    pending = issued_without_pdf(
        world.supplier_a, gpg, ["SW-100"], status=Certificate.Status.RENDERING, issued_at=None
    )
    assert _verify(world.client_for(None), pending.verification_code).status_code == 404


# --- Supplier pages -------------------------------------------------------------------------------


def test_supplier_list_filters_by_status_and_part_number(world, gpg):
    valid = issued_without_pdf(world.supplier_a, gpg, ["SW-100", "SW-200"])
    expired = issued_without_pdf(world.supplier_a, gpg, ["CAP-1"], valid_until=timezone.localdate() - DAY)
    theirs = issued_without_pdf(world.supplier_b, gpg, ["SW-100"])
    client = world.client_for(world.sup_a_contrib)  # contributors see their company's certificates
    url = reverse("supplier:certificate_list")
    html = client.get(url).content.decode()
    assert valid.number in html and expired.number in html and theirs.number not in html
    html = client.get(url, {"status": "expired"}).content.decode()
    assert expired.number in html and valid.number not in html
    html = client.get(url, {"status": "issued"}).content.decode()
    assert valid.number in html and expired.number not in html
    html = client.get(url, {"q": "sw-"}).content.decode()
    assert valid.number in html and expired.number not in html
    assert html.count(valid.number) == 1  # two matching part numbers, one row


def test_supplier_detail_status_and_pdf(world, issued):
    client = world.client_for(world.sup_a)
    detail = client.get(reverse("supplier:certificate_detail", kwargs={"certificate_pk": issued.pk}))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert issued.number in html and "SW-100" in html and issued.verification_code in html
    assert reverse("supplier:certificate_pdf", kwargs={"certificate_pk": issued.pk}) in html
    status = client.get(reverse("supplier:certificate_status", kwargs={"certificate_pk": issued.pk})).json()
    assert status["status"] == "issued" and status["finished"] and status["has_pdf"]
    pdf = client.get(reverse("supplier:certificate_pdf", kwargs={"certificate_pk": issued.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert f'filename="{issued.number}.pdf"' in pdf["Content-Disposition"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_detail_polls_while_rendering_and_pdf_waits(world, gpg):
    pending = issued_without_pdf(
        world.supplier_a, gpg, ["SW-100"], status=Certificate.Status.RENDERING, issued_at=None
    )
    client = world.client_for(world.sup_a)
    html = client.get(reverse("supplier:certificate_detail", kwargs={"certificate_pk": pending.pk})).content
    assert b'data-finished="0"' in html and b"compliance/certificate_status.js" in html
    status = client.get(reverse("supplier:certificate_status", kwargs={"certificate_pk": pending.pk})).json()
    assert status == {
        "status": "rendering",
        "status_label": "Being prepared",
        "finished": False,
        "has_pdf": False,
        "url": reverse("supplier:certificate_detail", kwargs={"certificate_pk": pending.pk}),
    }
    response = client.get(reverse("supplier:certificate_pdf", kwargs={"certificate_pk": pending.pk}))
    assert response.status_code == 302


def test_retry_a_failed_certificate(world, gpg, django_capture_on_commit_callbacks):
    product = make_product(world.supplier_a, "SW-100", gpg)
    from tests.compliance.conftest import request_and_sign

    certificate = request_and_sign(world.sup_a, world.supplier_a, [product])
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.FAILED, render_error="x")
    url = reverse("supplier:certificate_retry", kwargs={"certificate_pk": certificate.pk})
    assert world.client_for(world.sup_a_contrib).post(url).status_code == 403
    assert world.client_for(world.sup_a).get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client_for(world.sup_a).post(url)
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED and certificate.pdf


# --- Staff pages ----------------------------------------------------------------------------------


@pytest.fixture
def staff_set(world, gpg):
    today = timezone.localdate()
    return {
        "fresh": issued_without_pdf(
            world.supplier_a, gpg, ["A-1"], issued_on=today, number="NIG-2026-000010"
        ),
        "soon": issued_without_pdf(
            world.supplier_a,
            gpg,
            ["A-2"],
            issued_on=today - 340 * DAY,
            valid_until=today + 20 * DAY,
            number="NIG-2026-000011",
            signer_name='=HYPERLINK("http://evil.example")',
        ),
        "expired": issued_without_pdf(
            world.supplier_a,
            gpg,
            ["A-3"],
            issued_on=today - 400 * DAY,
            valid_until=today - DAY,
            number="NIG-2026-000012",
        ),
        "of_b": issued_without_pdf(world.supplier_b, gpg, ["B-1"], number="NIG-2026-000013"),
    }


def _numbers(response) -> list[str]:
    html = response.content.decode()
    return sorted(
        n for n in ("NIG-2026-000010", "NIG-2026-000011", "NIG-2026-000012", "NIG-2026-000013") if n in html
    )


def test_staff_see_their_units_certificates_with_filters(world, staff_set):
    url = reverse("staff:certificate_list")
    client = world.client_for(world.staff_a)
    assert _numbers(client.get(url)) == ["NIG-2026-000010", "NIG-2026-000011", "NIG-2026-000012"]
    assert _numbers(world.client_for(world.staff_b).get(url)) == ["NIG-2026-000013"]
    assert len(_numbers(world.client_for(world.admin).get(url))) == 4
    assert _numbers(client.get(url, {"status": "expired"})) == ["NIG-2026-000012"]
    assert _numbers(client.get(url, {"expiring_within": "30"})) == ["NIG-2026-000011"]
    assert _numbers(client.get(url, {"expiring_within": "400"})) == ["NIG-2026-000010", "NIG-2026-000011"]
    today = timezone.localdate()
    assert _numbers(client.get(url, {"issued_from": today.isoformat()})) == ["NIG-2026-000010"]
    assert _numbers(client.get(url, {"issued_to": (today - 350 * DAY).isoformat()})) == ["NIG-2026-000012"]
    assert _numbers(client.get(url, {"q": "a-2"})) == ["NIG-2026-000011"]
    assert _numbers(client.get(url, {"supplier": world.supplier_a.pk})) == [
        "NIG-2026-000010",
        "NIG-2026-000011",
        "NIG-2026-000012",
    ]
    # another unit's supplier is not even a valid choice: the filter says so and shows nothing
    refused = client.get(url, {"supplier": world.supplier_b.pk})
    assert _numbers(refused) == [] and "Select a valid choice" in refused.content.decode()
    html = client.get(url, {"sort": "valid_until"}).content.decode()
    assert html.index("NIG-2026-000012") < html.index("NIG-2026-000011") < html.index("NIG-2026-000010")
    html = client.get(url).content.decode()  # newest issue first by default
    assert html.index("NIG-2026-000010") < html.index("NIG-2026-000011") < html.index("NIG-2026-000012")


def test_staff_csv_export_is_filtered_scoped_and_escaped(world, staff_set):
    response = world.client_for(world.staff_a).get(reverse("staff:certificate_list"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Number"
    by_number = {row[0]: row for row in rows[1:]}
    assert sorted(by_number) == ["NIG-2026-000010", "NIG-2026-000011", "NIG-2026-000012"]
    assert by_number["NIG-2026-000011"][8] == '\'=HYPERLINK("http://evil.example")'
    assert by_number["NIG-2026-000012"][2] == "Expired"
    filtered = world.client_for(world.staff_a).get(
        reverse("staff:certificate_list"), {"export": "csv", "status": "expired"}
    )
    assert [r[0] for r in csv.reader(io.StringIO(filtered.content.decode("utf-8-sig")))][1:] == [
        "NIG-2026-000012"
    ]


def test_staff_detail_and_pdf(world, issued):
    client = world.client_for(world.auditor_a)  # read-only staff of unit A
    html = client.get(
        reverse("staff:certificate_detail", kwargs={"certificate_pk": issued.pk})
    ).content.decode()
    assert issued.number in html and "Alpha Parts Ltd" in html and "192.0.2.10" in html
    pdf = client.get(reverse("staff:certificate_pdf", kwargs={"certificate_pk": issued.pk}))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")


# --- Tenancy --------------------------------------------------------------------------------------

SUPPLIER_URLS = ["certificate_detail", "certificate_status", "certificate_pdf", "certificate_retry"]
STAFF_URLS = ["certificate_detail", "certificate_pdf"]


@pytest.mark.parametrize("name", SUPPLIER_URLS)
def test_another_suppliers_certificate_is_404_on_every_supplier_url(world, issued, name):
    Certificate.objects.filter(pk=issued.pk).update(status=Certificate.Status.FAILED)
    url = reverse(f"supplier:{name}", kwargs={"certificate_pk": issued.pk})
    client = world.client_for(world.sup_b)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Certificate.objects.get(pk=issued.pk).status == Certificate.Status.FAILED
    assert world.client_for(world.staff_a).get(url).status_code == 403


@pytest.mark.parametrize("name", STAFF_URLS)
def test_another_units_certificate_is_404_on_every_staff_url(world, issued, name):
    url = reverse(f"staff:{name}", kwargs={"certificate_pk": issued.pk})
    client = world.client_for(world.staff_b)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert world.client_for(world.sup_a).get(url).status_code == 403
    assert world.client_for(world.staff_a).get(url).status_code == 200


def test_supplier_b_sees_none_of_as_certificates(world, issued):
    client = world.client_for(world.sup_b)
    assert issued.number not in client.get(reverse("supplier:certificate_list")).content.decode()
    assert "SW-100" not in client.get(reverse("supplier:certificate_request")).content.decode()


def test_navigation_links(world):
    assert (
        reverse("supplier:certificate_list")
        in world.client_for(world.sup_a).get(reverse("supplier:certificate_list")).content.decode()
    )
    staff_home = world.client_for(world.staff_a).get(reverse("staff:supplier_directory")).content.decode()
    assert reverse("staff:certificate_list") in staff_home
