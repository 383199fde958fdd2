"""Decorators that say who may open a page. What they then see is decided by suppliers/access.py."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from suppliers import access


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def supplier_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.is_supplier_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
