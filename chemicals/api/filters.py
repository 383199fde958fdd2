"""Query filters of the chemicals endpoints (django-filter: each is documented in the schema)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from chemicals import product_selectors, verdict_selectors
from chemicals.models import Declaration, Product, ReevaluationRun, RegulatedList, Verdict
from suppliers import access
from suppliers.api.filters import ChangedSinceFilter, IdFilter

VERDICT_CHOICES = [*Verdict.choices, (verdict_selectors.NOT_EVALUATED, _("Not evaluated yet"))]


class ProductFilter(django_filters.FilterSet):
    supplier = IdFilter(field_name="supplier_id", help_text="Supplier id.")
    verdict = django_filters.ChoiceFilter(
        choices=VERDICT_CHOICES,
        method="filter_verdict",
        help_text="compliant, non_compliant, incomplete, or `none` for products not evaluated yet.",
    )
    group = django_filters.CharFilter(
        method="filter_group",
        help_text="A substance group code (e.g. T1-19, T2-7): products whose evaluation has a finding for "
        "it, i.e. a substance of the group is present.",
    )
    breached_group = django_filters.CharFilter(
        method="filter_breached_group",
        help_text="A Table 1 group code: products that breach it.",
    )
    part_number = django_filters.CharFilter(field_name="part_number", help_text="Exact part number.")
    kind = django_filters.ChoiceFilter(choices=Product.Kind.choices)
    status = django_filters.ChoiceFilter(
        choices=Product.Status.choices, help_text="Suppliers only see drafts; staff see submitted revisions."
    )
    current = django_filters.BooleanFilter(
        method="filter_current",
        help_text="true (default): the current revision of each part number (for staff: the latest "
        "submitted one); false: every revision.",
    )
    changed_since = ChangedSinceFilter(
        "created_at",
        "evaluated_at",
        help_text="ISO 8601 datetime: revisions stored or (re-)evaluated at or after it.",
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_verdict(self, qs: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return verdict_selectors.filter_by_verdict(qs, value)

    def filter_group(self, qs: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return verdict_selectors.filter_by_group(qs, value)

    def filter_breached_group(self, qs: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return verdict_selectors.filter_by_group(qs, value, breached_only=True)

    def filter_current(self, qs: QuerySet[Product], name: str, value: Any) -> QuerySet[Product]:
        return qs  # applied in filter_queryset, because "current" is also the default when absent

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        qs = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("current") is False:
            return qs
        if access.is_supplier_user(self.request.user):
            return qs.filter(is_current=True)
        # Staff keep seeing the last submitted revision while the supplier works on a draft.
        return product_selectors.latest_submitted(qs)


DECLARATION_STATUS_CHOICES = [
    ("received", _("Received")),
    ("parsing", _("Being processed")),
    ("rejected", _("Rejected")),
    ("evaluated", _("Evaluated")),
]


class DeclarationFilter(django_filters.FilterSet):
    supplier = IdFilter(field_name="supplier_id", help_text="Supplier id (for staff).")
    status = django_filters.ChoiceFilter(
        choices=DECLARATION_STATUS_CHOICES, method="filter_status", help_text="The API status."
    )
    changed_since = ChangedSinceFilter(
        "created_at",
        "started_at",
        "finished_at",
        help_text="ISO 8601 datetime: received, started or finished since.",
    )

    class Meta:
        model = Declaration
        fields: list[str] = []

    def filter_status(self, qs: QuerySet[Declaration], name: str, value: str) -> QuerySet[Declaration]:
        # The mapping of chemicals/api/serializers.api_status, as a query (awaits_verdict is annotated).
        stored = Declaration.Status.STORED
        if value == "received":
            return qs.filter(status=Declaration.Status.QUEUED)
        if value == "parsing":
            return qs.filter(Q(status=Declaration.Status.PARSING) | Q(status=stored, awaits_verdict=True))
        if value == "rejected":
            return qs.filter(status__in=[Declaration.Status.REJECTED, Declaration.Status.FAILED])
        return qs.filter(status=stored, awaits_verdict=False)


class RegulatedListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RegulatedList.Status.choices)
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact")
    changed_since = ChangedSinceFilter(
        "created_at", "activated_at", help_text="ISO 8601 datetime: loaded or activated since."
    )

    class Meta:
        model = RegulatedList
        fields: list[str] = []


class ImpactReportFilter(django_filters.FilterSet):
    regulated_list = IdFilter(field_name="regulated_list_id", help_text="List version id.")
    status = django_filters.ChoiceFilter(choices=ReevaluationRun.Status.choices)
    changed_since = ChangedSinceFilter(
        "created_at", "finished_at", help_text="ISO 8601 datetime: started or finished since."
    )

    class Meta:
        model = ReevaluationRun
        fields: list[str] = []
