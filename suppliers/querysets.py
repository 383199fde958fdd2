"""Querysets whose `visible_to(user)` applies the tenancy rule in suppliers/access.py."""

from __future__ import annotations

from typing import Any

from django.db import models

from suppliers import access


class SupplierQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> SupplierQuerySet:
        return access.scope_suppliers(self, user)


class SiteQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> SiteQuerySet:
        return access.scope_by_supplier(self, user)


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> InvitationQuerySet:
        return access.scope_by_supplier(self, user)


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> MembershipQuerySet:
        return access.scope_memberships(self, user)


class RegistrationRequestQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> RegistrationRequestQuerySet:
        return access.scope_registration_requests(self, user)


class SupplierOwnedQuerySet(models.QuerySet):
    """For models of other apps that hang off a supplier through a `supplier` foreign key."""

    def visible_to(self, user: Any) -> SupplierOwnedQuerySet:
        return access.scope_by_supplier(self, user)
