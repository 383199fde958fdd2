"""Filters, search and sort for the certificate lists (staff: status, supplier, dates, expiry)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import STATE_CHOICES, Certificate, CertificateProduct
from suppliers.models import Supplier

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _visible_suppliers(request):
    return Supplier.objects.visible_to(request.user if request else None).order_by("legal_name")


def search_part_number(queryset, value: str):
    value = value.strip()
    if not value:
        return queryset
    # EXISTS rather than a join: a certificate with several matching products appears once.
    named = CertificateProduct.objects.filter(certificate=OuterRef("pk"), part_number__icontains=value)
    return queryset.filter(Exists(named))


class SupplierCertificateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Part number"))
    status = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="filter_state", label=_("Status"))

    class Meta:
        model = Certificate
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        return search_part_number(queryset, value)

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value) if value else queryset


class StaffCertificateFilter(SupplierCertificateFilter):
    supplier = django_filters.ModelChoiceFilter(queryset=_visible_suppliers, label=_("Supplier"))
    issued_from = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("Issued from"), widget=DATE_INPUT
    )
    issued_to = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("Issued to"), widget=DATE_INPUT
    )
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring", label=_("Expiring within (days)"), min_value=0, max_value=3650
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("issued_on", "issued"),
            ("valid_until", "valid_until"),
            ("number", "number"),
            ("supplier__legal_name", "supplier"),
        ),
        field_labels={
            "issued_on": _("Issue date"),
            "valid_until": _("Valid until"),
            "number": _("Number"),
            "supplier__legal_name": _("Supplier"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Certificate
        fields = ["q", "status", "supplier", "issued_from", "issued_to", "expiring_within"]

    def filter_expiring(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.expiring_within(int(value), timezone.localdate())
