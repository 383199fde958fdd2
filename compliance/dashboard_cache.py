"""The dashboard's figures, kept for DASHBOARD_CACHE_SECONDS in the shared cache.

At 10,000 suppliers and 100,000 products the figures are ~300 ms of aggregation (counts over every
product, every response's score detail); ten staff opening the dashboard together would queue on two
cores. Figures a minute or two old answer "who has not answered, what breaches Table 1" just as well, so
each (scope, filters, language, day) is computed once per period and the page says how old it is;
"Refresh" recomputes. The key holds the viewer's scope (the group, or the exact set of buyer units), so
two users share figures only when they would see the same ones."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from compliance import dashboard_selectors
from suppliers import access


def _key(
    user: Any, part: str, filters: dashboard_selectors.Filters, language: str, today: datetime.date
) -> str:
    viewer = access.viewer_for(user)
    scope = "group" if viewer.sees_whole_group else ",".join(str(u) for u in sorted(viewer.unit_roles))
    raw = f"{part}|{scope}|{filters!r}|{language}|{today.isoformat()}"
    return "dashboard:" + hashlib.sha256(raw.encode()).hexdigest()


def dashboard_figures(
    user: Any,
    filters: dashboard_selectors.Filters,
    *,
    part: str,
    today: datetime.date,
    language: str,
    refresh: bool = False,
    **kwargs: Any,
) -> tuple[dashboard_selectors.Dashboard, datetime.datetime]:
    """The dashboard (or one PART of it) and the moment its figures were computed."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    key = _key(user, part, filters, language, today)
    if seconds and not refresh:
        hit = cache.get(key)
        if hit is not None:
            return hit
    data = dashboard_selectors.dashboard(user, filters, today=today, language=language, **kwargs)
    entry = (data, timezone.now())
    if seconds:
        cache.set(key, entry, seconds)
    return entry


def cached_html(
    user: Any,
    filters: dashboard_selectors.Filters,
    *,
    part: str,
    today: datetime.date,
    language: str,
    computed_at: datetime.datetime,
    build: Callable[[], str],
) -> str:
    """The HTML BUILD prints from one set of figures, kept as long as the figures: printing the tables
    and charts (links, cells, a few hundred rows) costs more than reading the figures back. The moment
    the figures were computed is part of the key, so a refresh prints anew."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return build()
    key = _key(user, f"{part}:html:{computed_at.isoformat()}", filters, language, today)
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, seconds)
    return html
