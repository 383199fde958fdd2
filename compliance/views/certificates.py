"""Certificate pages for suppliers (request, list, detail, PDF) and staff (list, export, detail, PDF)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compliance import certificate_selectors, certificate_services
from compliance.filters import StaffCertificateFilter, SupplierCertificateFilter
from compliance.forms import CertificateRequestForm
from compliance.models import STATE_CHOICES, Certificate
from compliance.tasks import render_certificate
from suppliers import exports
from suppliers.selectors import supplier_for_user
from suppliers.views.guards import staff_required, supplier_required

PAGE_SIZE = 50


def _page(request: HttpRequest, qs) -> tuple:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return page, query.urlencode()


def _results(listing):
    # A filter that does not validate (a supplier outside the user's units, a bad date) shows its
    # error and no rows, rather than silently being dropped and showing everything.
    return listing.qs if listing.is_valid() else listing.queryset.none()


def _visible(request: HttpRequest, certificate_pk: int) -> Certificate:
    # Looked up before any method check: another tenant's certificate is 404 for GET and POST alike.
    return get_object_or_404(certificate_selectors.certificate_list(request.user), pk=certificate_pk)


def _pdf_response(request: HttpRequest, certificate: Certificate, detail_url: str) -> HttpResponse:
    if not certificate.pdf:
        messages.info(request, _("The PDF of this certificate is not ready."))
        return redirect(detail_url)
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.number}.pdf",
        content_type="application/pdf",
    )


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR: the address the connection came from. Behind a proxy it is the proxy's, which is
    # still true; a forwarded header would be whatever the client chose to write. The service
    # records it only if it is an address.
    return request.META.get("REMOTE_ADDR")


# --- Supplier -------------------------------------------------------------------------------------


@supplier_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    supplier = supplier_for_user(request.user)
    listing = SupplierCertificateFilter(
        request.GET, queryset=certificate_selectors.certificate_list(request.user), request=request
    )
    page, query = _page(request, _results(listing))
    return render(
        request,
        "compliance/certificates/supplier_list.html",
        {
            "filter": listing,
            "page": page,
            "query": query,
            "can_request": supplier is not None
            and certificate_services.is_supplier_admin(request.user, supplier),
        },
    )


@supplier_required
def certificate_request(request: HttpRequest) -> HttpResponse:
    supplier = supplier_for_user(request.user)
    if supplier is None or not certificate_services.is_supplier_admin(request.user, supplier):
        raise PermissionDenied
    products = list(certificate_selectors.certifiable_products(request.user))
    form = CertificateRequestForm(
        request.POST or None,
        products=products,
        initial={"language": getattr(request.user, "language", None) or get_language()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = certificate_services.certificate_request_signed(
                by=request.user,
                supplier=supplier,
                product_ids=data["products"],
                language=data["language"],
                signer_name=data["signer_name"],
                signer_title=data["signer_title"],
                confirmed=data["confirm"],
                ip=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, errors in problems.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            render_certificate.delay_on_commit(certificate.pk)
            messages.success(request, _("Thank you. The certificate is being prepared."))
            return redirect("supplier:certificate_detail", certificate_pk=certificate.pk)
    selected = {str(v) for v in (request.POST.getlist("products") if request.method == "POST" else [])}
    return render(
        request,
        "compliance/certificates/request.html",
        {"form": form, "products": products, "selected": selected, "supplier": supplier},
        status=400 if form.errors else 200,
    )


@supplier_required
def certificate_detail(request: HttpRequest, certificate_pk: int) -> HttpResponse:
    certificate = _visible(request, certificate_pk)
    return render(
        request,
        "compliance/certificates/supplier_detail.html",
        {
            "certificate": certificate,
            "staff": False,
            "can_retry": certificate.status == Certificate.Status.FAILED
            and certificate_services.is_supplier_admin(request.user, certificate.supplier),
            "verification_url": request.build_absolute_uri(
                reverse("certificate_verify", kwargs={"code": certificate.verification_code})
            ),
        },
    )


@supplier_required
def certificate_status(request: HttpRequest, certificate_pk: int) -> JsonResponse:
    """What the detail page polls while the worker renders the PDF."""
    certificate = _visible(request, certificate_pk)
    return JsonResponse(
        {
            "status": certificate.current_state,
            "status_label": str(certificate.state_label),
            "finished": certificate.is_finished,
            "has_pdf": bool(certificate.pdf),
            "url": reverse("supplier:certificate_detail", kwargs={"certificate_pk": certificate.pk}),
        }
    )


@supplier_required
def certificate_pdf(request: HttpRequest, certificate_pk: int) -> HttpResponse:
    certificate = _visible(request, certificate_pk)
    return _pdf_response(
        request,
        certificate,
        reverse("supplier:certificate_detail", kwargs={"certificate_pk": certificate.pk}),
    )


@supplier_required
def certificate_retry(request: HttpRequest, certificate_pk: int) -> HttpResponse:
    certificate = _visible(request, certificate_pk)
    return _retry(request, certificate)


@require_POST
def _retry(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    try:
        certificate_services.certificate_retry(certificate=certificate, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        render_certificate.delay_on_commit(certificate.pk)
        messages.success(request, _("The portal is preparing the certificate again."))
    return redirect("supplier:certificate_detail", certificate_pk=certificate.pk)


# --- Staff ----------------------------------------------------------------------------------------


def _staff_listing(request: HttpRequest) -> StaffCertificateFilter:
    data = request.GET.copy()
    data.setdefault("sort", "-issued")
    return StaffCertificateFilter(
        data, queryset=certificate_selectors.certificate_list(request.user), request=request
    )


@staff_required
def staff_certificate_list(request: HttpRequest) -> HttpResponse:
    listing = _staff_listing(request)
    if request.GET.get("export") == "csv":
        return _export(_results(listing))
    page, query = _page(request, _results(listing))
    return render(
        request,
        "compliance/certificates/staff_list.html",
        {"filter": listing, "page": page, "query": query, "states": STATE_CHOICES},
    )


def _export(qs) -> HttpResponse:
    header = [
        _("Number"),
        _("Supplier"),
        _("Status"),
        _("Language"),
        _("Substance list"),
        _("Issue date"),
        _("Valid until"),
        _("Part numbers"),
        _("Signer's name"),
        _("Signer's title"),
        _("Signed"),
        _("Revoked"),
        _("Reason for revocation"),
    ]
    today = timezone.localdate()
    rows = (
        [
            c.number,
            c.supplier.legal_name,
            str(dict(STATE_CHOICES)[c.state(today)]),
            c.language,
            c.regulated_list.code,
            c.issued_on.isoformat() if c.issued_on else "",
            c.valid_until.isoformat() if c.valid_until else "",
            ", ".join(p.part_number for p in c.products.all()),
            c.signer_name,
            c.signer_title,
            timezone.localtime(c.signed_at).strftime("%Y-%m-%d %H:%M") if c.signed_at else "",
            timezone.localtime(c.revoked_at).strftime("%Y-%m-%d %H:%M") if c.revoked_at else "",
            c.revoked_reason,
        ]
        for c in qs.iterator(chunk_size=500)
    )
    response = HttpResponse(exports.to_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="certificates-{today:%Y%m%d}.csv"'
    return response


@staff_required
def staff_certificate_detail(request: HttpRequest, certificate_pk: int) -> HttpResponse:
    certificate = _visible(request, certificate_pk)
    return render(
        request,
        "compliance/certificates/staff_detail.html",
        {"certificate": certificate, "staff": True},
    )


@staff_required
def staff_certificate_pdf(request: HttpRequest, certificate_pk: int) -> HttpResponse:
    certificate = _visible(request, certificate_pk)
    return _pdf_response(
        request, certificate, reverse("staff:certificate_detail", kwargs={"certificate_pk": certificate.pk})
    )
