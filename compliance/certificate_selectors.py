"""Reads on certificates that pages, exports and (later) the API share."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from chemicals.models import Product, Verdict
from chemicals.selectors import active_list
from compliance.models import Certificate, CertificateProduct


def certifiable_products(user: Any) -> QuerySet[Product]:
    """USER's products a certificate may name: current, submitted, compliant under the active list."""
    current_list = active_list()
    if current_list is None:
        return Product.objects.none()
    return (
        Product.objects.visible_to(user)
        .filter(
            is_current=True,
            status=Product.Status.SUBMITTED,
            verdict=Verdict.COMPLIANT,
            verdict_list=current_list,
        )
        .order_by("part_number")
    )


def certificate_list(user: Any) -> QuerySet[Certificate]:
    """Certificates USER may see (a supplier its own, staff their units'), with their products."""
    return (
        Certificate.objects.visible_to(user)
        .select_related("supplier", "regulated_list")
        .prefetch_related(Prefetch("products", queryset=CertificateProduct.objects.order_by("part_number")))
    )


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a verification code names, if it was ever handed out (issued, maybe revoked)."""
    if not code or len(code) > 64:
        return None
    return (
        Certificate.objects.filter(verification_code=code.strip().upper(), issued_at__isnull=False)
        .select_related("supplier")
        .first()
    )


def verification_facts(certificate: Certificate, today: datetime.date | None = None) -> dict[str, Any]:
    """What the public verification page may say: nothing beyond what is printed on the certificate."""
    today = today or timezone.localdate()
    return {
        "state": certificate.state(today),
        "number": certificate.number,
        "supplier_name": certificate.supplier.legal_name,
        "issued_on": certificate.issued_on,
        "valid_until": certificate.valid_until,
        "revoked_at": certificate.revoked_at,
        "part_numbers": list(
            certificate.products.order_by("part_number").values_list("part_number", flat=True).distinct()
        ),
    }
