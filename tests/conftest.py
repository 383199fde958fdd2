"""Shared fixtures: three personas and their organisations.

supplier A and supplier B belong to different buyer units; staff_a works for A's unit, staff_b for B's;
`admin` sees the whole group. Every access test is phrased in these terms.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from procurement_portal.celery import app as celery_app
from suppliers.models import (
    BuyerGroup,
    BuyerUnit,
    Invitation,
    Membership,
    RegistrationRequest,
    Site,
    Supplier,
    User,
)
from suppliers.roles import Role
from suppliers.tokens import make_invitation_token

PASSWORD = "Correct-Horse-Battery-9"
# .ci/run sets this so that tests needing a real service or browser fail instead of skipping.
REQUIRE_SERVICES = os.environ.get("CI_REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Run tasks in-process unless a test starts a real worker (marked `worker`)."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings):
    # Test databases reuse ids, so cached figures could cross tests; the cache has its own test.
    settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at production strength costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(email: str, role: str, *, supplier=None, unit=None, language="en", **extra) -> User:
    user = User.objects.create_user(
        email=email, password=PASSWORD, full_name=email.split("@")[0], language=language, **extra
    )
    Membership.objects.create(user=user, role=role, supplier=supplier, buyer_unit=unit)
    return user


@dataclass
class World:
    unit_a: BuyerUnit
    unit_b: BuyerUnit
    supplier_a: Supplier
    supplier_b: Supplier
    site_a: Site
    site_b: Site
    admin: User
    staff_a: User
    staff_b: User
    auditor_a: User
    sup_a: User
    sup_a_contrib: User
    sup_b: User
    invitation_a: Invitation
    registration_a: RegistrationRequest

    def client_for(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    @property
    def invitation_a_token(self) -> str:
        return make_invitation_token(self.invitation_a.pk, self.invitation_a.nonce)


@pytest.fixture
def world(db) -> World:
    group = BuyerGroup.objects.create(name="Test Group")
    unit_a = BuyerUnit.objects.create(group=group, code="unit-a", name="Unit A")
    unit_b = BuyerUnit.objects.create(group=group, code="unit-b", name="Unit B")
    supplier_a = Supplier.objects.create(
        legal_name="Alpha Parts Ltd", local_name="アルファ部品", country="JP", duns="111111111"
    )
    supplier_a.buyer_units.set([unit_a])
    supplier_b = Supplier.objects.create(
        legal_name="Beta Metals Co", local_name="贝塔金属", country="CN", duns="222222222"
    )
    supplier_b.buyer_units.set([unit_b])
    site_a = Site.objects.create(supplier=supplier_a, name="Alpha Factory", country="JP")
    site_b = Site.objects.create(supplier=supplier_b, name="Beta Plant", country="CN")
    sup_a = make_user("a-admin@alpha.example", Role.SUPPLIER_ADMIN, supplier=supplier_a)
    from datetime import timedelta

    from django.utils import timezone

    invitation_a = Invitation.objects.create(
        supplier=supplier_a,
        email="newcomer@alpha.example",
        role=Role.SUPPLIER_CONTRIBUTOR,
        nonce="nonce-a",
        invited_by=sup_a,
        expires_at=timezone.now() + timedelta(days=7),
    )
    registration_a = RegistrationRequest.objects.create(
        legal_name="Gamma Plastics",
        country="DE",
        contact_name="Greta",
        contact_email="greta@gamma.example",
        buyer_unit=unit_a,
    )
    return World(
        unit_a=unit_a,
        unit_b=unit_b,
        supplier_a=supplier_a,
        supplier_b=supplier_b,
        site_a=site_a,
        site_b=site_b,
        admin=make_user("admin@buyer.example", Role.ADMINISTRATOR, is_staff=True),
        staff_a=make_user("manager-a@buyer.example", Role.PROCUREMENT_MANAGER, unit=unit_a),
        staff_b=make_user("manager-b@buyer.example", Role.PROCUREMENT_MANAGER, unit=unit_b),
        auditor_a=make_user("auditor-a@buyer.example", Role.AUDITOR, unit=unit_a),
        sup_a=sup_a,
        sup_a_contrib=make_user("a-contrib@alpha.example", Role.SUPPLIER_CONTRIBUTOR, supplier=supplier_a),
        sup_b=make_user("b-admin@beta.example", Role.SUPPLIER_ADMIN, supplier=supplier_b),
        invitation_a=invitation_a,
        registration_a=registration_a,
    )
