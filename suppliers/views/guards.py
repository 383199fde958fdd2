"""Decorators that say who may open a page. What they then see is decided by suppliers/access.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from suppliers import access


def _requires(predicate: Callable[[Any], bool]) -> Callable:
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = _requires(access.is_staff_user)
supplier_required = _requires(access.is_supplier_user)
