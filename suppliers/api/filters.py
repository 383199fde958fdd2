"""Filter fields shared by every app's endpoints."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within the database's range (a fraction or an overflow is 400, not a
    database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
