"""The API key pages: a supplier administrator (supplier keys) and writing staff (buyer-side keys) create
keys, see the clear key once, and revoke them; everyone else gets 403, another organisation's key 404."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override
from rest_framework.test import APIClient

from suppliers.models import ApiKey, Membership
from suppliers.roles import Role
from suppliers.services import api_key_create
from suppliers.views.api_keys import STATUS_LABELS
from tests.conftest import make_user

SUPPLIERS_API = "/api/v1/suppliers/"


def _api(clear_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {clear_key}")
    return client


def _create(client, ns: str = "supplier", **data):
    payload = {
        "name": "SAP production",
        "scope": ApiKey.Scope.WRITE,
        "expires_at": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        **data,
    }
    return client.post(reverse(f"{ns}:api_key_new"), payload)


def _in_future(days: int = 30) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


# -- creating ------------------------------------------------------------------------------------------


def test_supplier_admin_creates_a_key_shown_once(world):
    client = world.client_for(world.sup_a)
    response = _create(client)
    assert response.status_code == 200
    clear_key = response.context["clear_key"]
    page = response.content.decode()
    assert clear_key in page
    # The "how to use" snippet and the documentation link.
    assert f'curl -H "Authorization: Api-Key {clear_key}" http://testserver/api/v1/products/' in page
    assert 'href="http://testserver/api/docs/"' in page
    # The copy button is a static script, never inline code.
    assert "js/api_key_copy.js" in page
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "no-store" in response["Cache-Control"]

    key = ApiKey.objects.get()
    assert (key.supplier, key.created_by, key.scope, key.name) == (
        world.supplier_a,
        world.sup_a,
        ApiKey.Scope.WRITE,
        "SAP production",
    )
    assert key.expires_at.date() == timezone.localdate() + datetime.timedelta(days=30)
    assert key.matches(clear_key) and clear_key not in key.hashed_key

    # Nothing keeps the key after that response: not the session, not a message, not the list.
    secret = clear_key.split(".", 1)[1]
    assert secret not in str(dict(client.session.items()))
    listing = client.get(reverse("supplier:api_key_list"))
    body = listing.content.decode()
    assert listing.status_code == 200
    assert secret not in body and clear_key not in body
    assert key.prefix in body and "SAP production" in body
    assert list(listing.context["messages"]) == []


def test_created_key_works_and_revoking_it_makes_it_401(world):
    client = world.client_for(world.sup_a)
    clear_key = _create(client).context["clear_key"]
    response = _api(clear_key).get(SUPPLIERS_API)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world.supplier_a.pk]

    key = ApiKey.objects.get()
    revoke = client.post(reverse("supplier:api_key_revoke", kwargs={"key_pk": key.pk}))
    assert revoke.status_code == 302 and revoke["Location"] == reverse("supplier:api_key_list")
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == world.sup_a
    assert _api(clear_key).get(SUPPLIERS_API).status_code == 401

    page = client.get(reverse("supplier:api_key_list"))
    row = next(r for r in page.context["rows"] if r["key"].pk == key.pk)
    assert row["status"] == "revoked"
    # A revoked key has no revoke button any more.
    assert reverse("supplier:api_key_revoke", kwargs={"key_pk": key.pk}) not in page.content.decode()


def test_revoke_is_post_only(world):
    key, _clear = api_key_create(by=world.sup_a, name="ERP", scope=ApiKey.Scope.READ)
    url = reverse("supplier:api_key_revoke", kwargs={"key_pk": key.pk})
    assert world.client_for(world.sup_a).get(url).status_code == 405
    key.refresh_from_db()
    assert key.revoked_at is None


def test_key_without_expiry_and_read_scope(world):
    response = _create(world.client_for(world.sup_a), scope=ApiKey.Scope.READ, expires_at="")
    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert key.expires_at is None and key.scope == ApiKey.Scope.READ
    api = _api(response.context["clear_key"])
    assert api.get(SUPPLIERS_API).status_code == 200
    assert (
        api.patch(f"{SUPPLIERS_API}{world.supplier_a.pk}/", {"website": "https://x.example"}).status_code
        == 403
    )


def test_form_offers_ninety_days(world):
    response = world.client_for(world.sup_a).get(reverse("supplier:api_key_list"))
    expected = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    assert f'value="{expected}"' in response.content.decode()
    assert world.client_for(world.sup_a).get(reverse("supplier:api_key_new")).status_code == 200


@pytest.mark.parametrize("days", [-1, 0])
def test_expiry_not_in_the_future_is_a_field_error(world, days):
    day = timezone.localdate() + datetime.timedelta(days=days)
    response = _create(world.client_for(world.sup_a), expires_at=day.isoformat())
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["expires_at"]
    assert "clear_key" not in response.context
    assert not ApiKey.objects.exists()


def test_empty_name_is_a_field_error(world):
    response = _create(world.client_for(world.sup_a), name="")
    assert "name" in response.context["form"].errors
    assert not ApiKey.objects.exists()


def test_staff_page_creates_a_buyer_side_key(world):
    client = world.client_for(world.staff_a)
    assert client.get(reverse("staff:api_key_list")).status_code == 200
    response = _create(client, ns="staff")
    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert key.supplier is None and key.created_by == world.staff_a and key.is_buyer_side
    # It acts with staff A's rights: the suppliers of unit A.
    listed = _api(response.context["clear_key"]).get(SUPPLIERS_API).json()["results"]
    assert [row["id"] for row in listed] == [world.supplier_a.pk]
    assert key.prefix in client.get(reverse("staff:api_key_list")).content.decode()


def test_group_administrator_sees_and_revokes_every_buyer_side_key(world):
    key, _clear = api_key_create(by=world.staff_a, name="Ariba", scope=ApiKey.Scope.READ)
    supplier_key, _clear = api_key_create(by=world.sup_a, name="Alpha ERP", scope=ApiKey.Scope.READ)
    client = world.client_for(world.admin)
    page = client.get(reverse("staff:api_key_list")).content.decode()
    assert "Ariba" in page and "Alpha ERP" not in page
    assert client.post(reverse("staff:api_key_revoke", kwargs={"key_pk": key.pk})).status_code == 302
    key.refresh_from_db()
    assert key.revoked_by == world.admin
    # Supplier keys are the supplier's business.
    assert client.post(reverse("staff:api_key_revoke", kwargs={"key_pk": supplier_key.pk})).status_code == 404


# -- who may ---------------------------------------------------------------------------------------------


def test_supplier_contributor_gets_403(world):
    key, _clear = api_key_create(by=world.sup_a, name="ERP", scope=ApiKey.Scope.READ)
    client = world.client_for(world.sup_a_contrib)
    assert client.get(reverse("supplier:api_key_list")).status_code == 403
    assert client.get(reverse("supplier:api_key_new")).status_code == 403
    assert _create(client).status_code == 403
    assert client.post(reverse("supplier:api_key_revoke", kwargs={"key_pk": key.pk})).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None and ApiKey.objects.count() == 1
    # And no link to the pages it may not open.
    assert reverse("supplier:api_key_list") not in client.get(reverse("supplier:home")).content.decode()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REVIEWER])
def test_read_only_staff_get_403(world, role):
    key, _clear = api_key_create(by=world.staff_a, name="Ariba", scope=ApiKey.Scope.READ)
    user = make_user(f"{role}-x@buyer.example", role, unit=world.unit_a)
    client = world.client_for(user)
    assert client.get(reverse("staff:api_key_list")).status_code == 403
    assert _create(client, ns="staff").status_code == 403
    assert client.post(reverse("staff:api_key_revoke", kwargs={"key_pk": key.pk})).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None and ApiKey.objects.count() == 1


def test_each_side_keeps_to_its_own_pages(world):
    assert world.client_for(world.staff_a).get(reverse("supplier:api_key_list")).status_code == 403
    assert world.client_for(world.sup_a).get(reverse("staff:api_key_list")).status_code == 403
    assert _create(world.client_for(world.sup_a), ns="staff").status_code == 403
    assert not ApiKey.objects.exists()


def test_navigation_links_to_the_pages_for_those_who_may(world):
    supplier_home = world.client_for(world.sup_a).get(reverse("supplier:home")).content.decode()
    assert f'href="{reverse("supplier:api_key_list")}"' in supplier_home
    directory = world.client_for(world.staff_a).get(reverse("staff:supplier_directory")).content.decode()
    assert f'href="{reverse("staff:api_key_list")}"' in directory
    auditor_page = world.client_for(world.auditor_a).get(reverse("staff:supplier_directory")).content.decode()
    assert reverse("staff:api_key_list") not in auditor_page


def test_other_suppliers_key_is_404_and_unchanged(world):
    key, _clear = api_key_create(by=world.sup_a, name="Alpha ERP", scope=ApiKey.Scope.WRITE)
    client = world.client_for(world.sup_b)
    assert client.post(reverse("supplier:api_key_revoke", kwargs={"key_pk": key.pk})).status_code == 404
    assert "Alpha ERP" not in client.get(reverse("supplier:api_key_list")).content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None


def test_other_staffs_key_is_404_and_unchanged(world):
    key, _clear = api_key_create(by=world.staff_a, name="Ariba A", scope=ApiKey.Scope.WRITE)
    client = world.client_for(world.staff_b)
    assert client.post(reverse("staff:api_key_revoke", kwargs={"key_pk": key.pk})).status_code == 404
    assert "Ariba A" not in client.get(reverse("staff:api_key_list")).content.decode()
    # A supplier administrator cannot reach a buyer-side key through the supplier pages either.
    sup = world.client_for(world.sup_a)
    assert sup.post(reverse("supplier:api_key_revoke", kwargs={"key_pk": key.pk})).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


# -- the list ------------------------------------------------------------------------------------------


def test_list_states_why_a_key_does_not_work(world):
    second_admin = make_user("a-admin2@alpha.example", Role.SUPPLIER_ADMIN, supplier=world.supplier_a)
    _active, active_clear = api_key_create(by=world.sup_a, name="Active", scope=ApiKey.Scope.READ)
    expired, _c = api_key_create(by=world.sup_a, name="Old", scope=ApiKey.Scope.READ, expires_at=_in_future())
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    revoked, _c = api_key_create(by=world.sup_a, name="Gone", scope=ApiKey.Scope.READ)
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    _orphan, orphan_clear = api_key_create(by=second_admin, name="Orphan", scope=ApiKey.Scope.READ)
    Membership.objects.filter(user=second_admin).delete()

    page = world.client_for(world.sup_a).get(reverse("supplier:api_key_list"))
    statuses = {row["key"].name: row["status"] for row in page.context["rows"]}
    assert statuses == {"Active": "active", "Old": "expired", "Gone": "revoked", "Orphan": "creator_left"}
    # The page says the same as the authentication does.
    assert _api(active_clear).get(SUPPLIERS_API).status_code == 200
    assert _api(orphan_clear).get(SUPPLIERS_API).status_code == 401
    # A creator deactivated by the portal counts as gone too.
    world.sup_a.is_active = False
    world.sup_a.save(update_fields=["is_active"])
    Membership.objects.create(user=second_admin, role=Role.SUPPLIER_ADMIN, supplier=world.supplier_a)
    page = world.client_for(second_admin).get(reverse("supplier:api_key_list"))
    statuses = {row["key"].name: row["status"] for row in page.context["rows"]}
    assert statuses == {"Active": "creator_left", "Old": "expired", "Gone": "revoked", "Orphan": "active"}


def test_staff_key_creator_who_left_is_shown(world):
    _key, _clear = api_key_create(by=world.staff_a, name="Ariba", scope=ApiKey.Scope.READ)
    Membership.objects.filter(user=world.staff_a).delete()
    page = world.client_for(world.admin).get(reverse("staff:api_key_list"))
    assert [row["status"] for row in page.context["rows"]] == ["creator_left"]


def test_list_queries_do_not_grow_with_keys(world):
    client = world.client_for(world.sup_a)
    url = reverse("supplier:api_key_list")
    api_key_create(by=world.sup_a, name="first", scope=ApiKey.Scope.READ)
    client.get(url)  # warm the session and the translation catalogues
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        creator = make_user(f"a-admin-{n}@alpha.example", Role.SUPPLIER_ADMIN, supplier=world.supplier_a)
        api_key_create(by=creator, name=f"key {n}", scope=ApiKey.Scope.WRITE, expires_at=_in_future(n + 1))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == 31
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_list_query_bound(world, django_assert_max_num_queries):
    for n in range(20):
        api_key_create(by=world.sup_a, name=f"key {n}", scope=ApiKey.Scope.READ)
    client = world.client_for(world.sup_a)
    with django_assert_max_num_queries(6):
        client.get(reverse("supplier:api_key_list"))


# -- language ------------------------------------------------------------------------------------------


def test_pages_are_translated_through_gettext(world):
    api_key_create(by=world.sup_a, name="ERP", scope=ApiKey.Scope.READ)
    client = world.client_for(world.sup_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = client.get(reverse("supplier:api_key_list")).content.decode()
    created = _create(client).content.decode()
    with override("ja"):
        listed = [gettext(s) for s in ("API keys", "Name", "Expires", "Status", "Revoke", "Read")]
        listed.append(str(STATUS_LABELS["active"]))
        shown_once = [
            gettext("API key created"),
            gettext("Copy"),
            gettext("Read and write"),
        ]
    assert 'lang="ja"' in page
    for text in listed:
        assert text in page, text
    for text in shown_once:
        assert text in created, text
    # "Revoke" is translated in the Japanese catalogue (compiled by `make test`): the check has teeth.
    assert listed[4] != "Revoke", "compile the catalogues: manage.py compile_translations"
    assert ">Revoke<" not in page
