"""Template filters for masses and percentages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def normalize(value: Any) -> Any:
    """A Decimal without trailing zeros or exponent: 77.6300000000 -> 77.63, 1E+3 -> 1000."""
    if not isinstance(value, Decimal):
        return value
    text = format(value.normalize(), "f")
    return text
