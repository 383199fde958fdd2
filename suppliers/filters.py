"""Search, filters and sort for the staff supplier directory."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suppliers.models import BuyerUnit, Supplier, SupplierCategory


class SupplierDirectoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    country = django_filters.CharFilter(method="filter_country", label=_("Country"))
    buyer_unit = django_filters.ModelChoiceFilter(
        queryset=BuyerUnit.objects.all(), field_name="buyer_units", label=_("Buyer unit"), distinct=False
    )
    category = django_filters.ModelChoiceFilter(
        queryset=SupplierCategory.objects.all(),
        field_name="categories",
        label=_("Category"),
        distinct=False,
    )
    status = django_filters.ChoiceFilter(choices=Supplier.Status.choices, label=_("Status"))
    sort = django_filters.OrderingFilter(
        fields=(
            ("legal_name", "name"),
            ("country", "country"),
            ("created_at", "created"),
            ("site_count", "sites"),
            ("member_count", "members"),
        ),
        field_labels={
            "legal_name": _("Name"),
            "country": _("Country"),
            "created_at": _("Created"),
            "site_count": _("Sites"),
            "member_count": _("Members"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Supplier
        fields = ["q", "country", "buyer_unit", "category", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(legal_name__icontains=value)
            | Q(local_name__icontains=value)
            | Q(duns=value.replace("-", ""))
            | Q(tax_id__iexact=value)
        )

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper()) if value.strip() else queryset
