"""Supplier endpoints: staff list the suppliers of their units; a supplier reads its own record."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from suppliers.api.filters import ChangedSinceFilter
from suppliers.api.serializers import SupplierSerializer
from suppliers.models import Supplier


class SupplierFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")
    buyer_unit = django_filters.CharFilter(field_name="buyer_units__code")
    category = django_filters.CharFilter(field_name="categories__code")
    changed_since = ChangedSinceFilter("updated_at")

    class Meta:
        model = Supplier
        fields = ["status", "country", "buyer_unit", "category", "changed_since"]


@extend_schema_view(
    list=extend_schema(summary="Suppliers you may see", tags=["suppliers"]),
    retrieve=extend_schema(summary="One supplier with its sites", tags=["suppliers"]),
)
class SupplierViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter

    def get_queryset(self) -> QuerySet[Supplier]:
        return (
            Supplier.objects.visible_to(self.request.user)
            .prefetch_related("sites", "buyer_units", "categories")
            .distinct()
        )
