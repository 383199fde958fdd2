"""The tenancy matrix of the REST API: every endpoint and every method it allows, with supplier A's
objects, called with supplier B's key, staff of unit B's key (must not see or change anything: 404, or
403 for a kind of caller the endpoint does not serve) and with A's own key, unit A's staff key and the
group administrator's key (must see them). A new endpoint is covered the day it is added: its basename
must be classified in OWNERS (the test fails and says so otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.api.conftest import ApiKeys
from tests.suppliers.test_tenancy_walk import _snapshot

# basename -> (kwarg in the tenancy walk's object_kwargs giving supplier A's object, who owns it)
# owner "supplier": A's own data; "unit": a unit-A object only staff see; "group": reference data all
# staff see and suppliers do not.
OWNERS: dict[str, tuple[str, str]] = {
    "supplier": ("supplier_pk", "supplier"),
    "product": ("product_pk", "supplier"),
    "declaration": ("declaration_pk", "supplier"),
    "certificate": ("certificate_pk", "supplier"),
    "survey-response": ("response_pk", "supplier"),
    "campaign": ("campaign_pk", "unit"),
    "list": ("list_pk", "group"),
    "impact-report": ("run_pk", "group"),
}
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class ApiRoute:
    name: str
    basename: str
    methods: tuple[str, ...]
    has_pk: bool

    def url(self, data: dict[str, object]) -> str:
        if not self.has_pk:
            return reverse(f"api:{self.name}")
        return reverse(f"api:{self.name}", kwargs={"pk": data[OWNERS[self.basename][0]]})


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(m for m in METHODS if m in actions)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return tuple(m for m in METHODS if cls is not None and hasattr(cls, m))


def _api_routes() -> list[ApiRoute]:
    routes: list[ApiRoute] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            for pattern in entry.url_patterns:
                if not isinstance(pattern, URLPattern) or pattern.name == "schema":
                    continue
                basename = max((b for b in OWNERS if pattern.name.startswith(b + "-")), key=len, default="")
                routes.append(
                    ApiRoute(
                        pattern.name,
                        basename,
                        _methods(pattern.callback),
                        "pk" in pattern.pattern.regex.groupindex,
                    )
                )
    return routes


ROUTES = _api_routes()


def test_every_endpoint_is_classified():
    unknown = [r.name for r in ROUTES if not r.basename]
    assert unknown == [], f"add these API routes' basenames to OWNERS: {unknown}"
    assert len(ROUTES) >= 10


def _ids(body) -> set[int]:
    rows = body.get("results", body) if isinstance(body, dict) else body
    return {row.get("id") for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()


@pytest.mark.parametrize("route", [r for r in ROUTES if r.has_pk], ids=lambda r: r.name)
def test_object_endpoints(world, keys: ApiKeys, api_data, route):
    url = route.url(api_data)
    owner = OWNERS[route.basename][1]
    before = _snapshot(world)
    # Outsiders: supplier B and unit B's staff, on every method the endpoint has.
    for who in ("sup_b", "staff_b"):
        client = keys.client(who)
        for method in route.methods:
            status = getattr(client, method)(url, {}, format="json").status_code
            if method == "get" and not (owner == "group" and who == "staff_b"):
                allowed = {404} if owner == "supplier" or who == "staff_b" else {403, 404}
            elif owner == "group" and who == "staff_b":
                allowed = {200, 400, 403, 405}  # reference data: every staff member may read it
            else:
                allowed = {403, 404}
            assert status in allowed, f"{who} {method.upper()} {url} -> {status}"
    assert _snapshot(world) == before, f"{route.name}: an outsider changed A's data"
    # Insiders read it.
    if "get" in route.methods:
        readers = {"supplier": ("sup_a", "staff_a", "admin"), "unit": ("staff_a", "admin")}.get(
            owner, ("staff_a", "staff_b", "admin")
        )
        for who in readers:
            response = keys.client(who).get(url)
            # 409: the object is there but not ready (the walk's certificate has no PDF rendered yet).
            assert response.status_code in (200, 409), f"{who} GET {url} -> {response.status_code}"
        if owner != "supplier":
            assert keys.client("sup_a").get(url).status_code in (403, 404)


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if not r.has_pk and "get" in r.methods], ids=lambda r: r.name
)
def test_lists_never_show_other_tenants(world, keys: ApiKeys, api_data, route):
    url = route.url(api_data)
    kwarg, owner = OWNERS[route.basename]
    own_id = api_data[kwarg]
    for who in ("sup_b", "staff_b"):
        response = keys.client(who).get(url)
        if owner == "group" and who == "staff_b":
            assert response.status_code == 200
            continue
        assert response.status_code in (200, 403), f"{who} GET {url} -> {response.status_code}"
        if response.status_code == 200:
            assert own_id not in _ids(response.json()), f"{who} sees A's {route.basename} in {url}"
    for who in ("sup_a", "staff_a", "admin") if owner == "supplier" else ("staff_a", "admin"):
        response = keys.client(who).get(url)
        assert response.status_code == 200, f"{who} GET {url} -> {response.status_code}"
        assert own_id in _ids(response.json()), f"{who} misses A's {route.basename} in {url}"
