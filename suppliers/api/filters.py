"""Filter fields shared by every app's endpoints."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.constants import EMPTY_VALUES


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within the database's range (a fraction or an overflow is 400, not a
    database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class ChangedSinceFilter(django_filters.IsoDateTimeFilter):
    """`changed_since`: rows with any of MOMENTS (the timestamps their life records, e.g. created and
    evaluated, or just updated_at) at or after an ISO 8601 date-time.

    The moment is sent to the database in UTC: ISO 8601 allows offsets PostgreSQL refuses (it stops at
    ±15:59; schemathesis sent +22:02), which would otherwise be a server error instead of a filter."""

    def __init__(self, *moments: str, **kwargs: Any) -> None:
        self.moments = moments
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        condition = Q()
        for moment in self.moments:
            condition |= Q(**{f"{moment}__gte": value})
        return qs.filter(condition)
