"""Certificate endpoints of the REST API: request and sign (the same checks as the portal's form),
status, the real PDF (WeasyPrint), idempotent retries, and who may see or ask for what."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from chemicals.models import Product, RegulatedList
from compliance.models import Certificate
from suppliers.models import ApiKey
from tests.api.conftest import client_with_key
from tests.compliance.conftest import (
    LEAD_EXEMPTION,
    issue,
    issued_without_pdf,
    make_product,
    request_and_sign,
)

PROBLEM = "application/problem+json"
LIST = "api:certificate-list"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def active_list(db) -> RegulatedList:
    return RegulatedList.objects.create(
        code="GPG-13.0",
        title={"en": "Green Procurement Guidelines Ver. 13.0"},
        version="13.0",
        status=RegulatedList.Status.ACTIVE,
    )


@pytest.fixture
def switch(world, active_list) -> Product:
    return make_product(
        world.supplier_a, "SW-100", active_list, name="Touch switch", exemptions=[LEAD_EXEMPTION]
    )


@pytest.fixture
def leaded(world, active_list) -> Product:
    return make_product(world.supplier_a, "SW-200", active_list, verdict="non_compliant")


@pytest.fixture
def product_of_b(world, active_list) -> Product:
    return make_product(world.supplier_b, "BM-1", active_list)


def _body(products, **overrides) -> dict:
    return {
        "products": [p.pk for p in products],
        "language": "en",
        "signer_name": "Aiko Tanaka",
        "signer_title": "Quality Manager",
        "confirm": True,
        **overrides,
    }


def _detail(certificate) -> str:
    return reverse("api:certificate-detail", args=[certificate.pk])


def _pdf(certificate) -> str:
    return reverse("api:certificate-pdf", args=[certificate.pk])


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_request_is_signed_rendered_and_its_pdf_fetched(
    world, keys, switch, django_capture_on_commit_callbacks
):
    client = keys.client("sup_a")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse(LIST),
            _body([switch]),
            format="json",
            REMOTE_ADDR="203.0.113.9",
            HTTP_USER_AGENT="AlphaERP/4.2",
        )
    assert response.status_code == 202, response.content
    certificate = Certificate.objects.get()
    assert response["Location"] == f"http://testserver{_detail(certificate)}"
    accepted = response.json()
    # Answered before the worker ran: the client polls the Location.
    assert accepted["status"] == "rendering" and accepted["pdf_url"] is None
    assert len(callbacks) == 1  # the render was enqueued after commit, and ran (eagerly)
    assert certificate.signed_by == world.sup_a and certificate.requested_by == world.sup_a
    assert certificate.signed_ip == "203.0.113.9" and certificate.signed_user_agent == "AlphaERP/4.2"

    body = client.get(response["Location"]).json()
    assert body["status"] == "issued" and body["number"] == certificate.number
    assert body["products"] == [
        {
            "product_id": switch.pk,
            "part_number": "SW-100",
            "name": "Touch switch",
            "revision": 1,
            "exemptions": [LEAD_EXEMPTION],
        }
    ]
    assert body["regulated_list"] == "GPG-13.0" and body["signer_name"] == "Aiko Tanaka"
    today = timezone.localdate()
    assert body["issued_on"] == today.isoformat() and body["valid_until"] > today.isoformat()
    assert body["verification_url"].endswith(f"/verify/{certificate.verification_code}/")
    assert body["pdf_url"] == f"http://testserver{_pdf(certificate)}"

    pdf = client.get(body["pdf_url"], HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    data = b"".join(pdf.streaming_content)
    assert data.startswith(b"%PDF")
    assert f'filename="{certificate.number}.pdf"' in pdf["Content-Disposition"]
    # Unit A's staff read it too, PDF included.
    assert keys.client("staff_a").get(_pdf(certificate)).status_code == 200


def test_a_retried_request_makes_one_certificate(world, keys, switch):
    client = keys.client("sup_a")
    first = client.post(reverse(LIST), _body([switch]), format="json", HTTP_IDEMPOTENCY_KEY="po-4711")
    again = client.post(reverse(LIST), _body([switch]), format="json", HTTP_IDEMPOTENCY_KEY="po-4711")
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first["Location"]
    assert again.json() == first.json()
    assert Certificate.objects.count() == 1
    other = client.post(
        reverse(LIST), _body([switch], signer_title="CEO"), format="json", HTTP_IDEMPOTENCY_KEY="po-4711"
    )
    assert other.status_code == 409 and other["Content-Type"].startswith(PROBLEM)
    assert Certificate.objects.count() == 1


def test_refusals_name_the_field_and_the_reason(world, keys, switch, leaded, product_of_b):
    client = keys.client("sup_a")

    def refused(body) -> dict[str, list[str]]:
        response = client.post(reverse(LIST), body, format="json")
        assert response.status_code == 400, response.content
        assert response["Content-Type"].startswith(PROBLEM)
        errors: dict[str, list[str]] = {}
        for error in response.json()["errors"]:
            errors.setdefault(error["field"], []).append(error["detail"])
        return errors

    assert refused(_body([switch, leaded])) == {
        "products": ["SW-200 (revision 1) is not compliant with GPG-13.0."]
    }
    assert refused(_body([switch, product_of_b])) == {
        "products": ["Some of the selected products do not exist or are not yours."]
    }
    # Shape first: everything missing at once.
    assert set(refused({"products": [], "confirm": True}).keys()) == {
        "products",
        "signer_name",
        "signer_title",
    }
    assert refused(_body([switch], confirm=False)) == {
        "confirm": ["Tick the confirmation to sign the guarantee."]
    }
    assert refused(_body([switch], signer_name="   ")) == {
        "signer_name": ["Type the name of the person who signs."]
    }
    assert refused(_body([switch], language="fr"))["language"]
    assert not Certificate.objects.exists()


def test_who_may_not_request(world, keys, switch, product_of_b):
    contrib = ApiKey(
        name="c", scope=ApiKey.Scope.WRITE, created_by=world.sup_a_contrib, supplier=world.supplier_a
    )
    contrib_clear = contrib.assign_new_key()
    contrib.save()
    for client, expected in (
        (keys.client("staff_a"), 403),  # staff read certificates; only suppliers ask for them
        (keys.client("admin"), 403),
        (keys.client("sup_a_read"), 403),
        (client_with_key(contrib_clear), 403),  # a contributor cannot sign for the company
        (keys.client(None), 401),
    ):
        response = client.post(reverse(LIST), _body([switch]), format="json")
        assert response.status_code == expected, response.content
        assert response["Content-Type"].startswith(PROBLEM)
    # Supplier B cannot certify A's product, and learns nothing about it.
    response = keys.client("sup_b").post(reverse(LIST), _body([switch]), format="json")
    assert response.status_code == 400
    assert "SW-100" not in response.content.decode()
    assert not Certificate.objects.exists()


def test_pdf_before_it_is_ready_is_409(world, keys, switch):
    certificate = request_and_sign(world.sup_a, world.supplier_a, [switch])
    assert certificate.status == Certificate.Status.RENDERING
    for accept in ("application/json", "application/pdf"):
        response = keys.client("sup_a").get(_pdf(certificate), HTTP_ACCEPT=accept)
        assert response.status_code == 409 and response["Content-Type"].startswith(PROBLEM)
        assert response.json()["type"].endswith("/certificate-not-issued")
        assert "Being prepared" in response.json()["detail"]
    assert keys.client("sup_a").get(_detail(certificate)).json()["pdf_url"] is None


@pytest.mark.parametrize("who", ["sup_b", "staff_b"])
def test_outsiders_see_nothing(world, keys, active_list, who):
    certificate = issued_without_pdf(world.supplier_a, active_list, ["SW-100"])
    client = keys.client(who)
    for url in (_detail(certificate), _pdf(certificate)):
        response = client.get(url)
        assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM)
    assert certificate.pk not in _ids(client.get(reverse(LIST)))
    for insider in ("sup_a", "staff_a", "admin"):
        assert certificate.pk in _ids(keys.client(insider).get(reverse(LIST)))


def test_filters_by_state_and_change(world, keys, active_list):
    today = timezone.localdate()
    valid = issued_without_pdf(world.supplier_a, active_list, ["P-1"])
    expired = issued_without_pdf(
        world.supplier_a,
        active_list,
        ["P-2"],
        issued_on=today - datetime.timedelta(days=400),
        valid_until=today - datetime.timedelta(days=35),
    )
    revoked = issued_without_pdf(
        world.supplier_a, active_list, ["P-3"], status=Certificate.Status.REVOKED, revoked_at=timezone.now()
    )
    client = keys.client("sup_a")
    assert _ids(client.get(reverse(LIST), {"status": "issued"})) == [valid.pk]
    assert _ids(client.get(reverse(LIST), {"status": "expired"})) == [expired.pk]
    assert client.get(_detail(expired)).json()["status"] == "expired"
    assert _ids(client.get(reverse(LIST), {"status": "revoked"})) == [revoked.pk]
    assert _ids(client.get(reverse(LIST), {"part_number": "p-2"})) == [expired.pk]
    # Only the revocation happened after this moment (the others were requested before it).
    moment = timezone.now()
    Certificate.objects.filter(pk=revoked.pk).update(revoked_at=moment + datetime.timedelta(seconds=1))
    assert _ids(client.get(reverse(LIST), {"changed_since": moment.isoformat()})) == [revoked.pk]
    assert client.get(reverse(LIST), {"status": "lost"}).status_code == 400


def test_the_list_takes_a_fixed_number_of_queries(world, keys, active_list, django_assert_max_num_queries):
    staff = keys.client("staff_a")
    staff.get(reverse(LIST))  # the key's last use is written at most once a minute: not counted below
    issued_without_pdf(world.supplier_a, active_list, ["Q-0"])
    # The key, the caller's memberships, the page, its products (and one spare).
    with django_assert_max_num_queries(5):
        assert len(_ids(staff.get(reverse(LIST)))) == 1
    for i in range(1, 40):
        issued_without_pdf(world.supplier_a, active_list, [f"Q-{i}", f"R-{i}"])
    with django_assert_max_num_queries(5):
        rows = staff.get(reverse(LIST)).json()["results"]
    assert len(rows) == 40 and all(row["products"] for row in rows)


def test_an_issued_certificate_from_the_services_reads_the_same(world, keys, switch):
    """The API shows what the portal issued: one rendering, checked through both doors."""
    certificate = issue(world.sup_a, world.supplier_a, [switch])
    body = keys.client("admin").get(_detail(certificate)).json()
    assert body["status"] == "issued" and body["supplier"]["legal_name"] == "Alpha Parts Ltd"
    data = b"".join(keys.client("admin").get(body["pdf_url"]).streaming_content)
    assert data.startswith(b"%PDF") and data == certificate.pdf.open("rb").read()
