"""The API's common behaviour: key authentication, problem details, ETag, throttling, schema, docs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from suppliers.api.throttling import PerKeyThrottle
from suppliers.models import ApiKey, Membership
from suppliers.services import api_key_revoke
from tests.api.conftest import client_with_key

PROBLEM = "application/problem+json"


def test_no_key_is_401_problem(world):
    response = client_with_key(None).get(reverse("api:supplier-list"))
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert (
        body["status"] == 401 and body["title"] == "Unauthorized" and body["instance"] == "/api/v1/suppliers/"
    )
    assert response["WWW-Authenticate"].startswith("Api-Key")


@pytest.mark.parametrize("bad", ["nonsense", "abcdefgh.wrong-secret", ""])
def test_wrong_key_is_401(world, keys, bad):
    prefix = keys.sup_a.split(".")[0]
    raw = f"{prefix}.wrong" if bad == "" else bad
    response = client_with_key(raw).get(reverse("api:supplier-list"))
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or revoked API key."


def test_key_sees_own_supplier_only_and_other_is_404(world, keys):
    client = keys.client("sup_a")
    listed = client.get(reverse("api:supplier-list")).json()["results"]
    assert [row["id"] for row in listed] == [world.supplier_a.pk]
    response = client.get(reverse("api:supplier-detail", args=[world.supplier_b.pk]))
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("/not-found")


def test_staff_key_sees_its_units_suppliers(world, keys):
    ids = [row["id"] for row in keys.client("staff_a").get(reverse("api:supplier-list")).json()["results"]]
    assert ids == [world.supplier_a.pk]
    ids = {row["id"] for row in keys.client("admin").get(reverse("api:supplier-list")).json()["results"]}
    assert ids == {world.supplier_a.pk, world.supplier_b.pk}


def test_key_is_stored_hashed_and_records_last_use(world, keys):
    key = ApiKey.objects.get(prefix=keys.sup_a.split(".")[0])
    assert keys.sup_a not in key.hashed_key and keys.sup_a.split(".")[1] not in key.hashed_key
    assert key.last_used_at is None
    assert keys.client("sup_a").get(reverse("api:supplier-list")).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_expired_and_orphaned_keys_stop_working(world, keys):
    url = reverse("api:supplier-list")
    key_a = ApiKey.objects.get(prefix=keys.sup_a.split(".")[0])
    api_key_revoke(key=key_a, by=world.sup_a)
    assert keys.client("sup_a").get(url).status_code == 401

    ApiKey.objects.filter(prefix=keys.sup_b.split(".")[0]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = keys.client("sup_b").get(url)
    assert response.status_code == 401 and "expired" in response.json()["detail"]

    # The staff member who created the key leaves: the key goes with their authority.
    assert keys.client("staff_a").get(url).status_code == 200
    Membership.objects.filter(user=world.staff_a).delete()
    world.staff_a.__dict__.pop("_portal_viewer", None)
    assert keys.client("staff_a").get(url).status_code == 401


def test_read_key_cannot_write(world, keys):
    # Any write with a read-scoped key is refused before the view runs.
    response = keys.client("sup_a_read").post(reverse("api:supplier-list"), {}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_etag_and_304(world, keys):
    client = keys.client("sup_a")
    url = reverse("api:supplier-detail", args=[world.supplier_a.pk])
    first = client.get(url)
    etag = first["ETag"]
    assert etag
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    world.supplier_a.legal_name = "Alpha Parts Holdings"
    world.supplier_a.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_throttling_answers_429_with_retry_after(world, keys, monkeypatch):
    monkeypatch.setattr(PerKeyThrottle, "rate", "3/min", raising=False)
    monkeypatch.setattr(PerKeyThrottle, "num_requests", 3, raising=False)
    monkeypatch.setattr(PerKeyThrottle, "duration", 60, raising=False)
    monkeypatch.setattr(PerKeyThrottle, "get_rate", lambda self: "3/min")
    clock = [6_000_000.0 + 15]  # 15 s into a one-minute window
    monkeypatch.setattr(PerKeyThrottle, "timer", staticmethod(lambda: clock[0]))
    client, url = keys.client("sup_a"), reverse("api:supplier-list")
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(url)
    assert response.status_code == 429
    assert response["Retry-After"] == "45"  # the rest of the window
    assert response["Content-Type"].startswith(PROBLEM)
    # Another key has its own allowance.
    assert keys.client("sup_b").get(url).status_code == 200
    # The next window starts afresh.
    clock[0] += 45
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_schema_and_docs_are_served_without_cdn(world):
    schema = client_with_key(None).get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/suppliers/" in document["paths"]
    assert document["components"]["securitySchemes"]["ApiKey"]["type"] == "apiKey"
    docs = client_with_key(None).get(reverse("api_docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg" not in html


@pytest.mark.parametrize(
    "route",
    ["supplier-list", "product-list", "declaration-list", "list-list", "impact-report-list",
     "certificate-list", "survey-response-list"],
)  # fmt: skip
def test_changed_since_takes_any_iso_offset_without_a_server_error(world, keys, route):
    # ISO 8601 allows offsets PostgreSQL refuses (beyond ±15:59); schemathesis found +22:02.
    client = keys.client("admin")
    response = client.get(reverse(f"api:{route}"), {"changed_since": "1980-12-15T10:36:16+22:02"})
    assert response.status_code == 200, response.content[:300]
    bad = client.get(reverse(f"api:{route}"), {"changed_since": "last tuesday"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "changed_since"
