"""Filters, search and sort for the staff campaign list and a campaign's responses table."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Campaign, Response
from surveys.models.questionnaires import Kind
from surveys.questionnaire import Questionnaire

# Responses that no longer wait for the supplier: they count as answered, never as overdue.
ANSWERED = (Response.Status.SUBMITTED, Response.Status.ACCEPTED)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts by the chosen columns, then by TIE_BREAK, so that pages never repeat or skip a row."""

    def __init__(self, *args: Any, tie_break: tuple[str, ...] = ("pk",), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tie_break = tie_break

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        return qs.order_by(*ordering, *self.tie_break)


def overdue_q(today: Any = None) -> Q:
    """Responses still waiting for the supplier after their campaign's due date."""
    today = today or timezone.localdate()
    return Q(campaign__due_on__lt=today) & ~Q(status__in=ANSWERED)


class CampaignFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="year", label=_("Year"), min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(choices=Campaign.Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(
        field_name="questionnaire__kind", choices=Kind.choices, label=_("Questionnaire")
    )
    sort = StableOrderingFilter(
        tie_break=("-opens_on", "name", "pk"),
        fields=(
            ("year", "year"),
            ("name", "name"),
            ("opens_on", "opens"),
            ("due_on", "due"),
            ("status", "status"),
        ),
        field_labels={
            "year": _("Year"),
            "name": _("Name"),
            "opens_on": _("Opens"),
            "due_on": _("Due"),
            "status": _("Status"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Campaign
        fields = ["year", "status", "kind"]


RISK_BANDS = {"high": _("High risk"), "medium": _("Medium risk"), "low": _("Low risk")}


def grade_label(grade: str) -> str:
    """A risk band (SAQ) or rating (environmental surveys) as a reader sees it."""
    if not grade:
        return ""
    if grade in RISK_BANDS:
        return str(RISK_BANDS[grade])
    return str(_("Rating %(rating)s") % {"rating": grade})


def grade_choices(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """The risk bands (SAQ) or ratings (environmental surveys) a response to QUESTIONNAIRE can get."""
    scoring = questionnaire.scoring
    if scoring is None:
        return []
    grades = [b.band for b in scoring.risk_bands] + [r.rating for r in scoring.ratings]
    return [(g, grade_label(g)) for g in grades]


class CampaignResponseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Supplier"))
    status = django_filters.ChoiceFilter(choices=Response.Status.choices, label=_("Status"))
    grade = django_filters.ChoiceFilter(choices=(), label=_("Risk band / rating"))
    country = django_filters.CharFilter(method="filter_country", label=_("Country"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    sort = StableOrderingFilter(
        tie_break=("supplier__legal_name", "site__name", "pk"),
        fields=(
            ("supplier__legal_name", "supplier"),
            ("status", "status"),
            ("score", "score"),
            ("submitted_at", "submitted"),
        ),
        field_labels={
            "supplier__legal_name": _("Supplier"),
            "status": _("Status"),
            "score": _("Score"),
            "submitted_at": _("Submitted"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Response
        fields = ["q", "status", "grade", "country", "overdue"]

    def __init__(self, *args: Any, questionnaire: Questionnaire | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = grade_choices(questionnaire) if questionnaire is not None else []
        if choices:
            self.filters["grade"].extra["choices"] = choices
        else:
            # An unscored questionnaire has no grades to filter by.
            del self.filters["grade"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(supplier__legal_name__icontains=value) | Q(supplier__local_name__icontains=value)
        )

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().upper()
        if not value:
            return queryset
        # A site-level response is where its site is; a company-level one where the supplier is.
        return queryset.filter(Q(site__country=value) | Q(site__isnull=True, supplier__country=value))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())
