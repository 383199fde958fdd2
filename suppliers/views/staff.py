"""Procurement staff pages: the supplier directory, supplier form, invitations and registration requests.

The supplier page itself is compliance/views/supplier_overview.py (it shows surveys, chemicals and
compliance data, which this lowest app may not read); `supplier_detail_context` is its profile part."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suppliers import access, exports, selectors, services
from suppliers.filters import SupplierDirectoryFilter
from suppliers.forms import InvitationForm, RejectRegistrationForm, StaffSupplierForm
from suppliers.models import RegistrationRequest, Supplier
from suppliers.tasks import send_invitation_email, send_registration_rejected_email
from suppliers.views.guards import staff_required

PAGE_SIZE = 50
EXPORT_FORMATS = {"csv", "xlsx"}


def _directory(request: HttpRequest) -> SupplierDirectoryFilter:
    data = request.GET.copy()
    data.setdefault("sort", "name")
    return SupplierDirectoryFilter(data, queryset=selectors.supplier_directory(request.user))


@staff_required
def supplier_directory(request: HttpRequest) -> HttpResponse:
    directory = _directory(request)
    page = Paginator(directory.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/supplier_directory.html",
        {
            "filter": directory,
            "page": page,
            "query": query.urlencode(),
            "can_write": access.staff_may_write(request.user),
            "pending_registrations": RegistrationRequest.objects.visible_to(request.user)
            .filter(status=RegistrationRequest.Status.PENDING)
            .count(),
        },
    )


@staff_required
def supplier_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    language = get_language() or "en"
    header = [
        _("ID"),
        _("Legal name"),
        _("Local name"),
        _("Country"),
        _("DUNS"),
        _("Status"),
        _("Buyer units"),
        _("Categories"),
        _("Sites"),
        _("Members"),
        _("Created"),
    ]
    rows = (
        [
            s.pk,
            s.legal_name,
            s.local_name,
            s.country,
            s.duns,
            s.get_status_display(),
            ", ".join(u.name for u in s.buyer_units.all()),
            ", ".join(c.name_in(language) for c in s.categories.all()),
            s.site_count,
            s.member_count,
            s.created_at.strftime("%Y-%m-%d"),
        ]
        for s in _directory(request).qs.iterator(chunk_size=1000)
    )
    stamp = timezone.now().strftime("%Y%m%d")
    if fmt == "csv":
        body, content_type = exports.to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(header, rows, sheet_title=_("Suppliers"))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="suppliers-{stamp}.{fmt}"'
    return response


def _visible_supplier(request: HttpRequest, supplier_pk: int) -> Supplier:
    return get_object_or_404(Supplier.objects.visible_to(request.user), pk=supplier_pk)


def supplier_detail_context(
    request: HttpRequest, supplier: Supplier, invite_form: InvitationForm | None = None
) -> dict[str, Any]:
    """The profile part of the staff supplier page. The page itself (staff:supplier_detail) lives in
    compliance/views/supplier_overview.py, which adds what surveys, chemicals and compliance know."""
    invite_language = supplier_language(supplier)
    blank = invite_form is None
    if blank:
        invite_form = InvitationForm(initial={"role": "supplier_admin", "language": invite_language})
    return {
        "supplier": supplier,
        "can_write": access.staff_may_write(request.user, supplier),
        "invite_form": invite_form,
        # The blank form prints the same HTML for every supplier of a language; printed once per process.
        "invite_form_html": _blank_invitation_form(get_language() or "en", invite_language) if blank else "",
        **selectors.supplier_overview(supplier),
    }


@functools.lru_cache(maxsize=32)
def _blank_invitation_form(language: str, invite_language: str) -> str:
    """The unbound invitation form as HTML, by the page's language (its labels) and the preselected
    language of the e-mail. Django's form templates made printing it ~8 % of the supplier page."""
    with translation.override(language):
        return str(InvitationForm(initial={"role": "supplier_admin", "language": invite_language}))


def _detail_page(request: HttpRequest, supplier: Supplier, invite_form: InvitationForm) -> HttpResponse:
    # Only for an invitation that did not validate: the profile part of the page again, with the
    # form's errors next to what was typed.
    return render(
        request, "staff/supplier_detail.html", supplier_detail_context(request, supplier, invite_form)
    )


def supplier_language(supplier: Supplier) -> str:
    return {"JP": "ja", "CN": "zh-hans"}.get(supplier.country, "en")


@staff_required
def supplier_edit(request: HttpRequest, supplier_pk: int | None = None) -> HttpResponse:
    supplier = _visible_supplier(request, supplier_pk) if supplier_pk else None
    if not access.staff_may_write(request.user, supplier):
        raise PermissionDenied
    form = StaffSupplierForm(request.POST or None, instance=supplier)
    # Staff can only attach a supplier to units they work for.
    unit_ids = access.buyer_unit_ids_visible_to(request.user)
    if unit_ids is not None:
        form.fields["buyer_units"].queryset = form.fields["buyer_units"].queryset.filter(pk__in=unit_ids)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        categories, units = data.pop("categories"), data.pop("buyer_units")
        if supplier is None:
            supplier = services.supplier_create(buyer_units=units, categories=categories, **data)
            messages.success(request, _("Supplier created. Invite its first contact below."))
        else:
            services.supplier_update_profile(
                supplier=supplier, by=request.user, data=data, categories=categories, buyer_units=units
            )
            messages.success(request, _("Supplier saved."))
        return redirect("staff:supplier_detail", supplier_pk=supplier.pk)
    return render(request, "staff/supplier_form.html", {"form": form, "supplier": supplier})


@staff_required
@require_POST
def supplier_invite(request: HttpRequest, supplier_pk: int) -> HttpResponse:
    supplier = _visible_supplier(request, supplier_pk)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                supplier=supplier, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            send_invitation_email.delay_on_commit(invitation.pk)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("staff:supplier_detail", supplier_pk=supplier.pk)
    # Show the form again with what was typed and the error next to the field.
    return _detail_page(request, supplier, form)


@staff_required
def registration_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", RegistrationRequest.Status.PENDING)
    qs = RegistrationRequest.objects.visible_to(request.user).select_related("buyer_unit", "decided_by")
    if status in RegistrationRequest.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/registration_list.html",
        {
            "page": page,
            "status": status,
            "statuses": RegistrationRequest.Status.choices,
            "reject_form": RejectRegistrationForm(),
        },
    )


def _visible_registration(request: HttpRequest, registration_pk: int) -> RegistrationRequest:
    return get_object_or_404(RegistrationRequest.objects.visible_to(request.user), pk=registration_pk)


@staff_required
@require_POST
def registration_approve(request: HttpRequest, registration_pk: int) -> HttpResponse:
    registration = _visible_registration(request, registration_pk)
    try:
        invitation = services.registration_request_approve(registration=registration, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("staff:registration_list")
    send_invitation_email.delay_on_commit(invitation.pk)
    messages.success(
        request,
        _("%(company)s approved; %(email)s has been invited.")
        % {"company": registration.legal_name, "email": invitation.email},
    )
    return redirect("staff:supplier_detail", supplier_pk=invitation.supplier_id)


@staff_required
@require_POST
def registration_reject(request: HttpRequest, registration_pk: int) -> HttpResponse:
    registration = _visible_registration(request, registration_pk)
    form = RejectRegistrationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason for the rejection."))
        return redirect("staff:registration_list")
    try:
        services.registration_request_reject(
            registration=registration, by=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        send_registration_rejected_email.delay_on_commit(registration.pk)
        messages.success(request, _("%(company)s rejected.") % {"company": registration.legal_name})
    return redirect("staff:registration_list")
