"""Writes on accounts and organisations. Views, admin actions, commands and tasks call these."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suppliers import access
from suppliers.models import (
    ApiKey,
    BuyerUnit,
    Invitation,
    Membership,
    RegistrationRequest,
    Site,
    Supplier,
    SupplierCategory,
    User,
)
from suppliers.roles import SUPPLIER_ROLES, Role
from suppliers.tokens import new_nonce, nonce_matches, read_invitation_token

PROFILE_FIELDS = ("legal_name", "local_name", "country", "address", "duns", "tax_id", "website")


@transaction.atomic
def supplier_create(
    *,
    legal_name: str,
    country: str,
    buyer_units: Iterable[BuyerUnit],
    categories: Iterable[SupplierCategory] = (),
    **fields: Any,
) -> Supplier:
    supplier = Supplier(legal_name=legal_name, country=country.upper(), **fields)
    supplier.full_clean(exclude=["buyer_units", "categories"])
    supplier.save()
    supplier.buyer_units.set(list(buyer_units))
    supplier.categories.set(list(categories))
    return supplier


@transaction.atomic
def supplier_update_profile(
    *,
    supplier: Supplier,
    by: User,
    data: dict[str, Any],
    categories: Iterable[SupplierCategory] | None = None,
    buyer_units: Iterable[BuyerUnit] | None = None,
) -> Supplier:
    """Save the company profile; BUYER_UNITS (staff only) replaces the units the editor works for."""
    if not access.may_manage_supplier(by, supplier):
        raise PermissionDenied
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(supplier, name, data[name])
    supplier.country = supplier.country.upper()
    supplier.full_clean(exclude=["buyer_units", "categories"])
    if supplier.profile_completed_at is None and supplier.address and supplier.country:
        supplier.profile_completed_at = timezone.now()
    supplier.save()
    if categories is not None:
        supplier.categories.set(list(categories))
    if buyer_units is not None:
        _set_buyer_units(supplier=supplier, by=by, chosen=buyer_units)
    return supplier


def _set_buyer_units(*, supplier: Supplier, by: User, chosen: Iterable[BuyerUnit]) -> None:
    # An editor only decides for the units they work for: links to other units are kept, not dropped
    # because the form could not show them.
    editable = access.buyer_unit_ids_visible_to(by)
    if editable is None:
        supplier.buyer_units.set(list(chosen))
        return
    if not access.is_staff_user(by):
        raise PermissionDenied
    kept = [u.pk for u in supplier.buyer_units.all() if u.pk not in editable]
    supplier.buyer_units.set(kept + [u.pk for u in chosen if u.pk in editable])


def site_save(*, supplier: Supplier, by: User, data: dict[str, Any], site: Site | None = None) -> Site:
    if not access.may_manage_supplier(by, supplier):
        raise PermissionDenied
    site = site or Site(supplier=supplier)
    if site.supplier_id != supplier.pk:
        raise PermissionDenied
    for name in ("name", "address", "country"):
        if name in data:
            setattr(site, name, data[name])
    site.country = site.country.upper()
    site.full_clean()
    site.save()
    return site


def site_delete(*, site: Site, by: User) -> None:
    if not access.may_manage_supplier(by, site.supplier):
        raise PermissionDenied
    site.delete()


# --- Invitations ----------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    supplier: Supplier,
    email: str,
    invited_by: User,
    role: str = Role.SUPPLIER_ADMIN,
    full_name: str = "",
    language: str = "en",
) -> Invitation:
    """Create a pending invitation. The caller sends the e-mail after commit (see suppliers.tasks)."""
    if not access.may_manage_supplier(invited_by, supplier):
        raise PermissionDenied
    if role not in SUPPLIER_ROLES:
        raise ValidationError(_("Invitations are for supplier roles only."))
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email, supplier__isnull=False).exists():
        raise ValidationError(_("%(email)s already belongs to a supplier in the portal.") % {"email": email})
    # A new invitation replaces any pending one for the same address: only the newest link works.
    Invitation.objects.filter(
        supplier=supplier, email__iexact=email, status=Invitation.Status.PENDING
    ).update(status=Invitation.Status.REVOKED)
    return Invitation.objects.create(
        supplier=supplier,
        email=email,
        full_name=full_name,
        role=role,
        language=language,
        nonce=new_nonce(),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )


def invitation_from_token(token: str) -> Invitation | None:
    """Return the pending, unexpired invitation a token points at, or None."""
    decoded = read_invitation_token(token)
    if decoded is None:
        return None
    invitation_id, nonce = decoded
    invitation = Invitation.objects.select_related("supplier").filter(pk=invitation_id).first()
    if invitation is None or not nonce_matches(invitation.nonce, nonce) or not invitation.is_usable:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str, language: str) -> User:
    """Register the invitee (or attach an existing account) and consume the invitation."""
    invitation = invitation_from_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation link is invalid, has expired or has already been used."))
    # Lock the row so that two simultaneous clicks cannot both consume it.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError(_("This invitation link is invalid, has expired or has already been used."))
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User(email=invitation.email, full_name=full_name, language=language)
        validate_password(password, user)
        user.set_password(password)
        user.save()
    elif Membership.objects.filter(user=user, supplier__isnull=False).exists():
        raise ValidationError(_("This account already belongs to a supplier."))
    Membership.objects.create(user=user, supplier=invitation.supplier, role=invitation.role)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    access.forget_viewer(user)
    return user


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    if not access.may_manage_supplier(by, invitation.supplier):
        raise PermissionDenied
    if invitation.status == Invitation.Status.PENDING:
        invitation.status = Invitation.Status.REVOKED
        invitation.save(update_fields=["status"])


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    supplier = membership.supplier
    if supplier is None or not access.may_manage_supplier(by, supplier):
        raise PermissionDenied
    if membership.role == Role.SUPPLIER_ADMIN:
        admins = Membership.objects.select_for_update().filter(supplier=supplier, role=Role.SUPPLIER_ADMIN)
        if admins.count() <= 1:
            raise ValidationError(_("A supplier must keep at least one administrator."))
    membership.delete()


# --- Self-registration ----------------------------------------------------------------------------


def registration_request_submit(**fields: Any) -> RegistrationRequest:
    request = RegistrationRequest(**fields)
    request.country = request.country.upper()
    request.contact_email = request.contact_email.strip().lower()
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def registration_request_approve(*, registration: RegistrationRequest, by: User) -> Invitation:
    """Create the supplier and invite the contact as its administrator."""
    registration = RegistrationRequest.objects.select_for_update().get(pk=registration.pk)
    if not access.may_decide_registration(by, registration.buyer_unit_id):
        raise PermissionDenied
    if registration.status != RegistrationRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    supplier = supplier_create(
        legal_name=registration.legal_name,
        local_name=registration.local_name,
        country=registration.country,
        address=registration.address,
        duns=registration.duns,
        buyer_units=[registration.buyer_unit],
    )
    registration.status = RegistrationRequest.Status.APPROVED
    registration.decided_by = by
    registration.decided_at = timezone.now()
    registration.supplier = supplier
    registration.save()
    return invitation_create(
        supplier=supplier,
        email=registration.contact_email,
        full_name=registration.contact_name,
        role=Role.SUPPLIER_ADMIN,
        language=registration.language,
        invited_by=by,
    )


@transaction.atomic
def registration_request_reject(*, registration: RegistrationRequest, by: User, note: str) -> None:
    registration = RegistrationRequest.objects.select_for_update().get(pk=registration.pk)
    if not access.may_decide_registration(by, registration.buyer_unit_id):
        raise PermissionDenied
    if registration.status != RegistrationRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    registration.status = RegistrationRequest.Status.REJECTED
    registration.decided_by = by
    registration.decided_at = timezone.now()
    registration.decision_note = note
    registration.save()


def user_set_language(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def api_key_create(*, by: User, name: str, scope: str, expires_at: Any = None) -> tuple[ApiKey, str]:
    """Create a key for BY's organisation; return it and the clear key, which is never stored."""
    if not access.may_manage_api_keys(by):
        raise PermissionDenied
    viewer = access.viewer_for(by)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    key = ApiKey(name=name, scope=scope, expires_at=expires_at, created_by=by, supplier_id=viewer.supplier_id)
    clear = key.assign_new_key()
    key.save()
    return key, clear


def api_key_revoke(*, key: ApiKey, by: User) -> None:
    if not access.scope_api_keys(ApiKey.objects.filter(pk=key.pk), by).exists():
        raise PermissionDenied
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = timezone.now(), by
        key.save(update_fields=["revoked_at", "revoked_by"])
