"""Reads that more than one caller needs (pages, exports, later the API)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from suppliers.models import Invitation, Membership, Site, Supplier


def _count_of(model: type, **extra: Any) -> Coalesce:
    # Correlated subqueries instead of joins: joining sites and members together would multiply rows.
    sub = (
        model.objects.filter(supplier=OuterRef("pk"), **extra)
        .order_by()
        .values("supplier")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub), 0)


def supplier_directory(user: Any) -> QuerySet[Supplier]:
    """Suppliers USER may see, with the counts the directory shows."""
    return (
        Supplier.objects.visible_to(user)
        .annotate(site_count=_count_of(Site), member_count=_count_of(Membership))
        .prefetch_related("buyer_units", "categories")
    )


def supplier_for_user(user: Any) -> Supplier | None:
    """The supplier a supplier user belongs to."""
    membership = (
        Membership.objects.filter(user_id=user.pk, supplier__isnull=False).select_related("supplier").first()
    )
    return membership.supplier if membership else None


def supplier_overview(supplier: Supplier) -> dict[str, Any]:
    return {
        "sites": list(supplier.sites.all()),
        "members": list(
            Membership.objects.filter(supplier=supplier).select_related("user").order_by("user__email")
        ),
        "invitations": list(
            Invitation.objects.filter(supplier=supplier, status=Invitation.Status.PENDING)
            .select_related("invited_by")
            .order_by("-created_at")
        ),
    }
