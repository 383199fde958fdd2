"""Who may call what. The tenancy rule (querysets' visible_to) decides which objects; these decide
which kind of caller and which key scope."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from suppliers import access
from suppliers.api.authentication import api_key_of


class KeyScopeAllows(BasePermission):
    """A read-scoped key may only read. Browser sessions are governed by the user's roles alone."""

    message = _("This API key is read-only; create a key with the write scope to change data.")

    def has_permission(self, request: Request, view: Any) -> bool:
        key = api_key_of(request)
        return key is None or request.method in SAFE_METHODS or key.may_write


class IsSupplierUser(BasePermission):
    message = _("Only a supplier's users (or supplier API keys) may use this endpoint.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.is_supplier_user(request.user)


class IsStaffUser(BasePermission):
    message = _("Only procurement staff (or buyer-side API keys) may use this endpoint.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.is_staff_user(request.user)


class SupplierWritesStaffReads(BasePermission):
    """Resources both sides read (each through the tenancy rule) but only suppliers change."""

    message = _("Only a supplier's users (or supplier API keys) may change this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return access.is_supplier_user(request.user) or access.is_staff_user(request.user)
        return access.is_supplier_user(request.user)
