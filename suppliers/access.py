"""The tenancy rule: the one place that decides what a user may see and do.

Every query a user can trigger (web views, API, exports) goes through `visible_to(user)` queryset
methods, which call the scoping functions here. The rule:

- a supplier user sees their own supplier and what hangs off it, nothing else;
- staff see the suppliers that supply one of their buyer units;
- administrators (a staff membership without a unit) and superusers see the whole group;
- anonymous users see nothing.

Objects outside a user's scope are answered with 404, never 403, so their existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.db.models import QuerySet

from suppliers.roles import STAFF_ROLES, STAFF_WRITE_ROLES, SUPPLIER_ROLES, Role

if TYPE_CHECKING:
    from suppliers.models import Supplier

Q_ = TypeVar("Q_", bound=QuerySet[Any])
_CACHE_ATTR = "_portal_viewer"


@dataclass(frozen=True)
class Viewer:
    """What one user is, computed once per request from their memberships."""

    user_id: int | None = None
    supplier_id: int | None = None
    supplier_role: str | None = None
    # unit id -> staff roles held in that unit
    unit_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    group_roles: frozenset[str] = frozenset()
    is_superuser: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_supplier(self) -> bool:
        return self.supplier_id is not None

    @property
    def is_staff(self) -> bool:
        return self.is_superuser or bool(self.group_roles) or bool(self.unit_roles)

    @property
    def sees_whole_group(self) -> bool:
        return self.is_superuser or Role.ADMINISTRATOR in self.group_roles


def viewer_for(user: Any) -> Viewer:
    """Return (and cache on the user object) the Viewer for USER."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Viewer()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    membership_model = apps.get_model("suppliers", "Membership")
    supplier_id = supplier_role = None
    unit_roles: dict[int, set[str]] = {}
    group_roles: set[str] = set()
    for role, sup_id, unit_id in membership_model.objects.filter(user_id=user.pk).values_list(
        "role", "supplier_id", "buyer_unit_id"
    ):
        if role in SUPPLIER_ROLES and sup_id is not None:
            supplier_id, supplier_role = sup_id, role
        elif role in STAFF_ROLES and unit_id is not None:
            unit_roles.setdefault(unit_id, set()).add(role)
        elif role == Role.ADMINISTRATOR:
            group_roles.add(role)
    viewer = Viewer(
        user_id=user.pk,
        supplier_id=supplier_id,
        supplier_role=supplier_role,
        unit_roles={k: frozenset(v) for k, v in unit_roles.items()},
        group_roles=frozenset(group_roles),
        is_superuser=bool(user.is_superuser),
    )
    setattr(user, _CACHE_ATTR, viewer)
    return viewer


def forget_viewer(user: Any) -> None:
    """Drop the cached Viewer after the user's memberships changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- What a user may see --------------------------------------------------------------------------


def _scoped(qs: Q_, user: Any, supplier_id_field: str) -> Q_:
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return qs.none()
    if viewer.sees_whole_group:
        return qs
    if viewer.unit_roles:
        # A subquery rather than a join: a supplier in two of the user's units must appear once.
        through = apps.get_model("suppliers", "Supplier").buyer_units.through
        in_units = through.objects.filter(buyerunit_id__in=list(viewer.unit_roles)).values("supplier_id")
        return qs.filter(**{f"{supplier_id_field}__in": in_units})
    if viewer.is_supplier:
        return qs.filter(**{supplier_id_field: viewer.supplier_id})
    return qs.none()


def scope_suppliers(qs: Q_, user: Any) -> Q_:
    """Restrict a Supplier queryset to what USER may see."""
    return _scoped(qs, user, "pk")


def scope_by_supplier(qs: Q_, user: Any, supplier_field: str = "supplier") -> Q_:
    """Restrict a queryset of rows that belong to a supplier through SUPPLIER_FIELD."""
    return _scoped(qs, user, f"{supplier_field}_id")


def buyer_unit_ids_visible_to(user: Any) -> frozenset[int] | None:
    """The buyer units USER works for, or None when they see the whole group."""
    viewer = viewer_for(user)
    return None if viewer.sees_whole_group else frozenset(viewer.unit_roles)


def scope_memberships(qs: Q_, user: Any) -> Q_:
    """Supplier memberships follow their supplier; staff memberships are visible to administrators."""
    viewer = viewer_for(user)
    if viewer.sees_whole_group:
        return qs
    return scope_by_supplier(qs.filter(supplier__isnull=False), user)


def scope_registration_requests(qs: Q_, user: Any) -> Q_:
    """Self-registration requests are seen by staff of the unit they address."""
    viewer = viewer_for(user)
    if viewer.sees_whole_group:
        return qs
    if viewer.unit_roles:
        return qs.filter(buyer_unit_id__in=list(viewer.unit_roles))
    return qs.none()


# --- What a user may do ---------------------------------------------------------------------------


def is_staff_user(user: Any) -> bool:
    return viewer_for(user).is_staff


def is_supplier_user(user: Any) -> bool:
    return viewer_for(user).is_supplier


def staff_may_write(user: Any, supplier: Supplier | None = None) -> bool:
    """A procurement manager (for a supplier of their unit) or an administrator."""
    viewer = viewer_for(user)
    if viewer.sees_whole_group:
        return True
    writable_units = {u for u, roles in viewer.unit_roles.items() if roles & STAFF_WRITE_ROLES}
    if not writable_units:
        return False
    if supplier is None:
        return True
    # all(), not a filtered exists(): pages load the supplier with its units prefetched, so this costs
    # no query there, and a supplier has a handful of units otherwise.
    return any(unit.pk in writable_units for unit in supplier.buyer_units.all())


def may_manage_supplier(user: Any, supplier: Supplier) -> bool:
    """Edit the company profile and sites, invite members: the supplier's admin or writing staff."""
    viewer = viewer_for(user)
    if viewer.supplier_id == supplier.pk and viewer.supplier_role == Role.SUPPLIER_ADMIN:
        return True
    return viewer.is_staff and staff_may_write(user, supplier)


def may_decide_registration(user: Any, buyer_unit_id: int) -> bool:
    viewer = viewer_for(user)
    if viewer.sees_whole_group:
        return True
    return bool(viewer.unit_roles.get(buyer_unit_id, frozenset()) & STAFF_WRITE_ROLES)


def may_manage_api_keys(user: Any) -> bool:
    """Supplier keys: the supplier's administrator. Buyer-side keys: writing staff (managers,
    administrators); a key acts with its creator's rights, so this is also who may hold one."""
    viewer = viewer_for(user)
    if viewer.is_supplier:
        return viewer.supplier_role == Role.SUPPLIER_ADMIN
    return viewer.is_staff and staff_may_write(user)


def scope_api_keys(qs: Q_, user: Any) -> Q_:
    """A supplier admin sees every key of their supplier; staff see buyer-side keys they created, and
    group administrators every buyer-side key."""
    viewer = viewer_for(user)
    if not may_manage_api_keys(user):
        return qs.none()
    if viewer.is_supplier:
        return qs.filter(supplier_id=viewer.supplier_id)
    if viewer.sees_whole_group:
        return qs.filter(supplier__isnull=True)
    return qs.filter(supplier__isnull=True, created_by_id=viewer.user_id)
