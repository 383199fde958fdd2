"""API personas: keys for supplier A (write and read-only), supplier B, staff of unit A, staff of unit B
and a group administrator, each created through the real service and sent in the real header."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from suppliers.models import ApiKey
from suppliers.services import api_key_create


def client_with_key(clear_key: str | None) -> APIClient:
    client = APIClient()
    if clear_key:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {clear_key}")
    return client


@dataclass
class ApiKeys:
    sup_a: str  # supplier A, write scope (created by A's administrator)
    sup_a_read: str  # supplier A, read scope
    sup_b: str  # supplier B, write scope
    staff_a: str  # staff of unit A (procurement manager), write scope
    staff_b: str  # staff of unit B
    admin: str  # group administrator

    def client(self, who: str | None) -> APIClient:
        return client_with_key(getattr(self, who) if who else None)


def _key(user, scope=ApiKey.Scope.WRITE) -> str:
    return api_key_create(by=user, name=f"{user.email} {scope}", scope=scope)[1]


@pytest.fixture
def keys(world) -> ApiKeys:
    return ApiKeys(
        sup_a=_key(world.sup_a),
        sup_a_read=_key(world.sup_a, ApiKey.Scope.READ),
        sup_b=_key(world.sup_b),
        staff_a=_key(world.staff_a),
        staff_b=_key(world.staff_b),
        admin=_key(world.admin),
    )


@pytest.fixture
def api_data(world) -> dict[str, object]:
    """Supplier A's objects of every kind (product with its declaration, certificate, survey response
    with a document, campaign, the active list and a re-evaluation run), keyed like the page URLs."""
    from tests.suppliers.test_tenancy_walk import object_kwargs

    return object_kwargs(world)
