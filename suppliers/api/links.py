"""Absolute URLs of many objects of one kind, reversed once.

A list page links each of its rows two or three times; reverse() and build_absolute_uri() cost ~30 µs a
call, which was a fifth of a 100-row page. The pattern is reversed once per request with a sentinel id
and each row's id is put in its place, which gives exactly what reverse() would."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.urls import reverse

# An id no row has; it only has to survive reverse() unchanged and appear once in the path.
_SENTINEL = "9876543210123456789"


def object_url_maker(request: HttpRequest | None, viewname: str) -> Callable[[int], str]:
    """A function pk -> the absolute URL of VIEWNAME for that pk (the path alone without REQUEST)."""
    path = reverse(viewname, args=[_SENTINEL])
    url = request.build_absolute_uri(path) if request is not None else path
    head, tail = url.split(_SENTINEL, 1)
    return lambda pk: f"{head}{pk}{tail}"
