"""The supplier's own pages: company profile, sites, members and invitations.

The home page that shows them with the to-do list is compliance/views/supplier_home.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suppliers import access, selectors, services
from suppliers.forms import InvitationForm, SiteForm, SupplierProfileForm
from suppliers.models import Invitation, Membership, Site, Supplier
from suppliers.tasks import send_invitation_email
from suppliers.views.guards import supplier_required


def _own_supplier(request: HttpRequest) -> Supplier:
    supplier = selectors.supplier_for_user(request.user)
    if supplier is None:
        raise PermissionDenied
    return supplier


def _require_manage(request: HttpRequest, supplier: Supplier) -> None:
    if not access.may_manage_supplier(request.user, supplier):
        raise PermissionDenied


@supplier_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    supplier = _own_supplier(request)
    _require_manage(request, supplier)
    form = SupplierProfileForm(request.POST or None, instance=supplier)
    if request.method == "POST" and form.is_valid():
        services.supplier_update_profile(
            supplier=supplier,
            by=request.user,
            data=form.cleaned_data,
            categories=form.cleaned_data["categories"],
        )
        messages.success(request, _("Company profile saved."))
        return redirect("supplier:home")
    return render(request, "suppliers/profile_form.html", {"form": form, "supplier": supplier})


@supplier_required
def site_edit(request: HttpRequest, site_pk: int | None = None) -> HttpResponse:
    supplier = _own_supplier(request)
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=site_pk) if site_pk else None
    _require_manage(request, supplier)
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_save(supplier=supplier, by=request.user, data=form.cleaned_data, site=site)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Site saved."))
            return redirect("supplier:home")
    return render(request, "suppliers/site_form.html", {"form": form, "site": site, "supplier": supplier})


@supplier_required
@require_POST
def site_delete(request: HttpRequest, site_pk: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.visible_to(request.user).select_related("supplier"), pk=site_pk)
    services.site_delete(site=site, by=request.user)
    messages.success(request, _("Site %(name)s deleted.") % {"name": site.name})
    return redirect("supplier:home")


@supplier_required
def invitation_new(request: HttpRequest) -> HttpResponse:
    supplier = _own_supplier(request)
    _require_manage(request, supplier)
    form = InvitationForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                supplier=supplier, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            send_invitation_email.delay_on_commit(invitation.pk)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("supplier:home")
    return render(request, "suppliers/invitation_form.html", {"form": form, "supplier": supplier})


@supplier_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.user).select_related("supplier"), pk=invitation_pk
    )
    services.invitation_revoke(invitation=invitation, by=request.user)
    messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
    return redirect("supplier:home")


@supplier_required
@require_POST
def member_remove(request: HttpRequest, membership_pk: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("supplier", "user"), pk=membership_pk
    )
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(user)s removed.") % {"user": membership.user})
    return redirect("supplier:home")
