"""API keys in the browser: a supplier administrator manages the supplier's keys, writing staff their
buyer-side keys. Who may do it and which keys they see is suppliers/access.py (`may_manage_api_keys`,
`scope_api_keys`); creating and revoking are the services the API's own tests use.

The same three pages serve the supplier and the staff namespace: the namespace decides the guard
(a supplier never opens the staff pages and the other way round) and where the links point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from suppliers import access, services
from suppliers.forms import ApiKeyForm
from suppliers.models import ApiKey, Membership
from suppliers.roles import STAFF_ROLES, SUPPLIER_ROLES, Role
from suppliers.views.guards import staff_required, supplier_required

PAGE_SIZE = 50
# The endpoint the "how to use" snippet calls: every key may read products, supplier or buyer side.
USAGE_EXAMPLE_PATH = "/api/v1/products/"

ACTIVE, EXPIRED, REVOKED, CREATOR_LEFT = "active", "expired", "revoked", "creator_left"
STATUS_LABELS = {
    ACTIVE: gettext_lazy("active"),
    EXPIRED: gettext_lazy("expired"),
    REVOKED: gettext_lazy("revoked"),
    CREATOR_LEFT: gettext_lazy("creator left"),
}
STATUS_BADGES = {ACTIVE: "badge-ok", EXPIRED: "badge-warn", REVOKED: "", CREATOR_LEFT: "badge-error"}


def key_status(
    *, revoked_at: datetime | None, expires_at: datetime | None, creator_belongs: bool, now: datetime
) -> str:
    """Why a key does or does not work, in the order the authentication checks it."""
    if revoked_at is not None:
        return REVOKED
    if expires_at is not None and expires_at <= now:
        return EXPIRED
    if not creator_belongs:
        return CREATOR_LEFT
    return ACTIVE


def _with_creator_belongs(qs: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
    """Annotate `creator_belongs`: the rule ApiKeyAuthentication applies on each call (an active user
    still in the key's supplier, or still staff for a buyer-side key), in the query so that the list
    costs no query per row."""
    supplier_member = Membership.objects.filter(
        user_id=OuterRef("created_by_id"), supplier_id=OuterRef("supplier_id"), role__in=SUPPLIER_ROLES
    )
    # Mirrors access.viewer_for: a staff role in a unit, or the group-wide administrator role.
    staff_member = Membership.objects.filter(user_id=OuterRef("created_by_id")).filter(
        Q(role__in=STAFF_ROLES, buyer_unit__isnull=False) | Q(role=Role.ADMINISTRATOR)
    )
    belongs = Q(created_by__is_active=True) & (
        (Q(supplier__isnull=False) & Q(Exists(supplier_member)))
        | (Q(supplier__isnull=True) & (Q(created_by__is_superuser=True) | Q(Exists(staff_member))))
    )
    return qs.annotate(creator_belongs=ExpressionWrapper(belongs, output_field=BooleanField()))


def _require_manager(request: HttpRequest) -> None:
    if not access.may_manage_api_keys(request.user):
        raise PermissionDenied


def _namespace(request: HttpRequest) -> str:
    return request.resolver_match.namespace


def _page_context(request: HttpRequest) -> dict[str, Any]:
    ns = _namespace(request)
    return {
        "ns": ns,
        "list_url": reverse(f"{ns}:api_key_list"),
        "new_url": reverse(f"{ns}:api_key_new"),
        "revoke_url_name": f"{ns}:api_key_revoke",
        "is_supplier_side": ns == "supplier",
    }


def _key_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    keys = _with_creator_belongs(
        access.scope_api_keys(ApiKey.objects.select_related("created_by"), request.user)
    ).order_by("-created_at", "-pk")
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for key in page:
        status = key_status(
            revoked_at=key.revoked_at, expires_at=key.expires_at, creator_belongs=key.creator_belongs, now=now
        )
        rows.append(
            {"key": key, "status": status, "label": STATUS_LABELS[status], "badge": STATUS_BADGES[status]}
        )
    return render(
        request,
        "suppliers/api_keys/list.html",
        {**_page_context(request), "page": page, "rows": rows, "form": ApiKeyForm()},
    )


def _key_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, clear_key = services.api_key_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The clear key exists only in this response: it is not stored, not put in the session or in
            # a message, and the response must not be cached (never_cache) or re-shown on reload.
            return render(
                request,
                "suppliers/api_keys/created.html",
                {
                    **_page_context(request),
                    "key": key,
                    "clear_key": clear_key,
                    "example_url": request.build_absolute_uri(USAGE_EXAMPLE_PATH),
                    "docs_url": request.build_absolute_uri(reverse("api_docs")),
                },
            )
    return render(request, "suppliers/api_keys/form.html", {**_page_context(request), "form": form})


@require_POST
def _key_revoke(request: HttpRequest, key_pk: int) -> HttpResponse:
    _require_manager(request)
    key = get_object_or_404(access.scope_api_keys(ApiKey.objects.all(), request.user), pk=key_pk)
    services.api_key_revoke(key=key, by=request.user)
    messages.success(
        request, _("API key %(name)s (%(prefix)s) revoked.") % {"name": key.name, "prefix": key.prefix}
    )
    return redirect(f"{_namespace(request)}:api_key_list")


def _for(guard: Callable) -> tuple[Callable, Callable, Callable]:
    return guard(_key_list), guard(never_cache(_key_new)), guard(_key_revoke)


supplier_key_list, supplier_key_new, supplier_key_revoke = _for(supplier_required)
staff_key_list, staff_key_new, staff_key_revoke = _for(staff_required)
