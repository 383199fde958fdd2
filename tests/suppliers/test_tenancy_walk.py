"""Walk every URL pattern in the URL conf with each persona.

A URL added later is covered automatically: its keyword arguments must be known to OBJECT_KWARGS (the
test fails and says so otherwise), and it must live in a namespace whose access rule is stated below.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World

# Names reachable without logging in.
PUBLIC = {
    "home",
    "health",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "registration_request",
    "invitation_accept",
    "certificate_verify",
    "api_docs",
    "api_redoc",
}
# Names open to any logged-in user, about their own account only.
ACCOUNT = {"password_change", "password_change_done"}
# Namespaces and the persona that owns their objects.
SUPPLIER_NS, STAFF_NS = "supplier", "staff"


@dataclass(frozen=True)
class Route:
    name: str
    namespace: str
    kwargs: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else self.name


def _walk(patterns, namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns == "admin":
                continue  # Django's admin guards itself with is_staff; checked separately below
            if ns == "api":
                continue  # the REST API has its own matrix: tests/api/test_api_tenancy.py
            routes += _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            routes.append(Route(entry.name, namespace, tuple(sorted(entry.pattern.converters))))
    return routes


ROUTES = _walk(get_resolver().url_patterns)


def object_kwargs(world: World) -> dict[str, object]:
    """Values for each URL keyword, all pointing at supplier A's objects (unit A for staff)."""
    return {
        "supplier_pk": world.supplier_a.pk,
        "site_pk": world.site_a.pk,
        "invitation_pk": world.invitation_a.pk,
        "membership_pk": world.sup_a_contrib.memberships.get().pk,
        "registration_pk": world.registration_a.pk,
        "fmt": "csv",
        "table": "overdue",
        "token": world.invitation_a_token,
        "uidb64": "MQ",
        "product_pk": _product_of_a(world).pk,
        "declaration_pk": _product_of_a(world).declaration_id,
        "list_pk": _active_list().pk,
        "certificate_pk": _certificate_of_a(world).pk,
        "code": _certificate_of_a(world).verification_code,
        "run_pk": _run_of_active_list().pk,
        "campaign_pk": _survey_of_a(world).campaign_id,
        "response_pk": _survey_of_a(world).pk,
        "evidence_pk": _survey_of_a(world).evidence.get().pk,
        "number": 1,
        "key_pk": _api_key_of_a(world).pk,
    }


def _api_key_of_a(world: World):
    """An API key of supplier A, created by A's administrator."""
    from suppliers.models import ApiKey
    from suppliers.services import api_key_create

    key = ApiKey.objects.filter(supplier=world.supplier_a, name="Walk").first()
    return key or api_key_create(by=world.sup_a, name="Walk", scope=ApiKey.Scope.WRITE)[0]


def _survey_of_a(world: World):
    """Supplier A's response to a campaign run by unit A, with one uploaded document."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from surveys import campaign_services, response_services
    from surveys.models import Campaign, Response
    from tests.surveys.conftest import publish

    response = Response.objects.filter(supplier=world.supplier_a, campaign__name="Walk").first()
    if response is None:
        campaign = campaign_services.campaign_create(
            by=world.staff_a,
            name="Walk",
            year=2026,
            questionnaire=publish("env-activity-2026.1.json"),
            level=Campaign.Level.COMPANY,
            opens_on=timezone.localdate() - datetime.timedelta(days=1),
            due_on=timezone.localdate() + datetime.timedelta(days=30),
            mode=Campaign.Targeting.ALL,
            buyer_unit=world.unit_a,
        ).campaign
        response = campaign.responses.get()
        upload = SimpleUploadedFile("iso.pdf", b"%PDF-1.4 walk", "application/pdf")
        response_services.evidence_add(response, by=world.sup_a, question="A3", upload=upload)
    return response


def _active_list():
    """The active regulated list: group-wide reference data, the same for every buyer unit."""
    from chemicals.models import RegulatedList

    regulated_list, _ = RegulatedList.objects.get_or_create(
        code="WALK-1",
        defaults={"title": {"en": "Walk list"}, "version": "1", "status": RegulatedList.Status.ACTIVE},
    )
    return regulated_list


def _run_of_active_list():
    """A re-evaluation run: group-wide like its list (its impact rows are scoped per supplier)."""
    from chemicals.models import ReevaluationRun

    run, _ = ReevaluationRun.objects.get_or_create(regulated_list=_active_list())
    return run


def _product_of_a(world: World):
    """A stored product (with the declaration it came from) of supplier A."""
    from chemicals.models import Declaration, Product

    declaration, _ = Declaration.objects.get_or_create(
        supplier=world.supplier_a,
        sha256="a" * 64,
        defaults={"original_name": "a.shai", "size": 1, "status": Declaration.Status.STORED},
    )
    product, _ = Product.objects.get_or_create(
        supplier=world.supplier_a,
        part_number="A-100",
        defaults={"name": "Alpha part", "declaration": declaration},
    )
    return product


def _certificate_of_a(world: World):
    """An issued certificate (without its PDF yet) of supplier A naming A's product."""
    from compliance.models import Certificate

    certificate, created = Certificate.objects.get_or_create(
        number="NIG-2026-000001",
        defaults={
            "supplier": world.supplier_a,
            "regulated_list": _active_list(),
            "verification_code": "WALKWALKWALKWALKWALKWALKWALKWALK",
            "status": Certificate.Status.ISSUED,
        },
    )
    if created:
        product = _product_of_a(world)
        certificate.products.create(
            product=product, part_number=product.part_number, revision=product.revision
        )
    return certificate


def _url(route: Route, world: World) -> str:
    values = object_kwargs(world)
    missing = [k for k in route.kwargs if k not in values]
    assert not missing, f"{route.qualified}: add {missing} to object_kwargs() so the tenancy walk covers it"
    return reverse(route.qualified, kwargs={k: values[k] for k in route.kwargs})


def _snapshot(world: World) -> tuple:
    """Everything of supplier A that a hostile POST could change."""
    world.supplier_a.refresh_from_db()
    return (
        world.supplier_a.legal_name,
        tuple(world.supplier_a.sites.order_by("pk").values_list("pk", "name")),
        tuple(world.supplier_a.invitations.order_by("pk").values_list("pk", "status")),
        tuple(world.supplier_a.memberships.order_by("pk").values_list("pk", "role")),
        tuple(world.registration_a.__class__.objects.order_by("pk").values_list("pk", "status")),
        tuple(world.supplier_a.products.order_by("pk").values_list("pk", "status", "is_current", "name")),
        tuple(world.supplier_a.declarations.order_by("pk").values_list("pk", "status")),
        tuple(world.supplier_a.certificates.order_by("pk").values_list("pk", "status")),
        tuple(
            world.supplier_a.survey_responses.order_by("pk").values_list(
                "pk", "status", "revision", "campaign__status", "campaign__due_on"
            )
        ),
        tuple(world.supplier_a.survey_responses.order_by("pk").values_list("evidence__pk", "comments__pk")),
        tuple(world.supplier_a.api_keys.order_by("pk").values_list("pk", "revoked_at")),
    )


def test_every_route_is_classified():
    """A new route must be public or live under the supplier or staff namespace."""
    unclassified = [
        r.qualified
        for r in ROUTES
        if r.name not in PUBLIC | ACCOUNT and r.namespace not in (SUPPLIER_NS, STAFF_NS)
    ]
    assert unclassified == []
    assert len(ROUTES) >= 25


@pytest.mark.parametrize("name", sorted(ACCOUNT))
def test_account_pages_open_for_every_role(world, name):
    for user in (world.sup_a, world.sup_b, world.staff_a, world.admin):
        assert world.client_for(user).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.qualified)
def test_anonymous_is_sent_to_login(world, route):
    if route.name in PUBLIC:
        return
    response = world.client_for(None).get(_url(route, world))
    assert response.status_code in (302, 401, 403), route.qualified
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.namespace == SUPPLIER_NS], ids=lambda r: r.qualified
)
def test_supplier_routes(world, route):
    url = _url(route, world)
    # Supplier A's own objects: allowed (405 only for POST-only actions opened with GET).
    assert world.client_for(world.sup_a).get(url).status_code in (200, 302, 405)
    # Supplier B: another supplier's object answers 404, for reads and for writes, and changes nothing.
    before = _snapshot(world)
    client_b = world.client_for(world.sup_b)
    if route.kwargs:
        assert client_b.get(url).status_code in (404, 405)
        assert (
            client_b.post(url, {"name": "hacked", "country": "XX", "email": "x@evil.example"}).status_code
            == 404
        )
    assert _snapshot(world) == before
    # Staff never use the supplier's own pages.
    assert world.client_for(world.staff_a).get(url).status_code in (403, 405)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.namespace == STAFF_NS], ids=lambda r: r.qualified)
def test_staff_routes(world, route):
    url = _url(route, world)
    assert world.client_for(world.staff_a).get(url).status_code in (200, 302, 405)
    assert world.client_for(world.admin).get(url).status_code in (200, 302, 405)
    before = _snapshot(world)
    for supplier_user in (world.sup_a, world.sup_b):
        assert world.client_for(supplier_user).get(url).status_code == 403
        assert world.client_for(supplier_user).post(url, {"legal_name": "hacked"}).status_code == 403
    # list_pk names a regulated list: group-wide reference data that every staff user reads alike, so
    # there is no "other unit's object" to hide; like fmt it does not count as an object of unit A.
    # run_pk (a re-evaluation of a list) is group-wide too; its impact rows are scoped in the view.
    # table names a dashboard table: every staff user has each table, filled with their own suppliers.
    if route.kwargs and set(route.kwargs) - {"fmt", "list_pk", "run_pk", "table"}:
        # Staff of another buyer unit: A's objects do not exist for them.
        client = world.client_for(world.staff_b)
        assert client.get(url).status_code in (404, 405)
        assert (
            client.post(url, {"legal_name": "hacked", "note": "x", "email": "x@evil.example"}).status_code
            == 404
        )
    assert _snapshot(world) == before


def test_admin_site_is_for_administrators_only(world):
    for user in (world.sup_a, world.staff_a, world.auditor_a):
        response = world.client_for(user).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert world.client_for(world.admin).get("/admin/").status_code == 200


def test_export_never_contains_another_units_suppliers(world):
    body = (
        world.client_for(world.staff_b).get(reverse("staff:supplier_export", kwargs={"fmt": "csv"})).content
    )
    text = body.decode("utf-8-sig")
    assert "Beta Metals Co" in text
    assert "Alpha Parts Ltd" not in text
