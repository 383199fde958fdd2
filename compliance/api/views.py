"""Certificate endpoints: a supplier's administrator requests and signs a non-inclusion guarantee
(Green Procurement Guidelines Ver. 13.0, §2.2 / §2.3) and fetches its PDF; staff read their units'.

A request goes through the same service as the portal's form (certificate_request_signed), and the
PDF is rendered by the worker after commit: the answer is 202 with the certificate's URL to poll.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from compliance import certificate_selectors, certificate_services
from compliance.api.serializers import CertificateRequestSerializer, CertificateSerializer
from compliance.filters import search_part_number
from compliance.models import STATE_CHOICES, Certificate
from compliance.tasks import render_certificate
from suppliers.api.filters import ChangedSinceFilter, IdFilter
from suppliers.api.idempotency import idempotent
from suppliers.api.permissions import KeyScopeAllows, SupplierWritesStaffReads
from suppliers.api.problems import ProblemSerializer, problem
from suppliers.selectors import supplier_for_user

TAG = "certificates"


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`. The PDF itself is a FileResponse, which is
    never rendered; what is rendered here is an error (problem+json), so it is written as JSON."""

    media_type = "application/pdf"
    format = "pdf"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data)


class CertificateFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", help_text="expired: issued, past valid_until."
    )
    supplier = IdFilter(field_name="supplier_id")
    part_number = django_filters.CharFilter(method="filter_part_number", help_text="Contains, any case.")
    # A certificate has no single "updated" stamp: each step of its life records its own moment.
    changed_since = ChangedSinceFilter(
        "requested_at",
        "signed_at",
        "issued_at",
        "revoked_at",
        help_text="Certificates requested, signed, issued or revoked at or after this ISO date-time.",
    )

    class Meta:
        model = Certificate
        fields = ["status", "supplier", "part_number", "changed_since"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.in_state(value) if value else queryset

    def filter_part_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_part_number(queryset, value)


CERTIFICATE_EXAMPLE = {
    "id": 58,
    "number": "NIG-2026-000058",
    "status": "issued",
    "supplier": {"id": 31, "legal_name": "Alpha Parts Ltd"},
    "language": "en",
    "regulated_list": "GPG-13.0",
    "products": [
        {
            "product_id": 1204,
            "part_number": "SW-100",
            "name": "Touch switch",
            "revision": 2,
            "exemptions": [{"list": "RoHS Annex III", "item": "7(a)", "group": "T1-3", "cas": "7439-92-1"}],
        }
    ],
    "requested_at": "2026-05-04T07:12:40Z",
    "signer_name": "Aiko Tanaka",
    "signer_title": "Quality Manager",
    "signed_at": "2026-05-04T07:12:40Z",
    "issued_on": "2026-05-04",
    "valid_until": "2027-05-04",
    "issued_at": "2026-05-04T07:12:46Z",
    "revoked_at": None,
    "revoked_reason": "",
    "verification_url": "https://portal.example.com/verify/JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP/",
    "pdf_url": "https://portal.example.com/api/v1/certificates/58/pdf/",
}
REQUEST_EXAMPLE = {
    "products": [1204, 1207],
    "language": "en",
    "signer_name": "Aiko Tanaka",
    "signer_title": "Quality Manager",
    "confirm": True,
}
ACCEPTED_EXAMPLE = {
    **CERTIFICATE_EXAMPLE,
    "status": "rendering",
    "issued_at": None,
    "verification_url": None,
    "pdf_url": None,
}
REFUSED_EXAMPLE = {
    "type": "https://procurement-portal.invalid/problems/validation",
    "title": "Bad Request",
    "status": 400,
    "detail": "SW-200 (revision 1) is not compliant with GPG-13.0.",
    "instance": "/api/v1/certificates/",
    "errors": [
        {
            "field": "products",
            "code": "invalid",
            "detail": "SW-200 (revision 1) is not compliant with GPG-13.0.",
        }
    ],
}
NOT_READY_EXAMPLE = {
    "type": "https://procurement-portal.invalid/problems/certificate-not-issued",
    "title": "Conflict",
    "status": 409,
    "detail": "The PDF of this certificate is not ready: its status is “Being prepared”.",
    "instance": "/api/v1/certificates/58/pdf/",
}


@extend_schema_view(
    list=extend_schema(
        summary="Certificates you may see",
        description="A supplier: its own certificates. Staff: those of their units' suppliers.",
        tags=[TAG],
        examples=[OpenApiExample("A certificate", value=CERTIFICATE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One certificate: status, products, validity, verification and PDF links",
        tags=[TAG],
        responses={200: CertificateSerializer, 404: ProblemSerializer},
        examples=[OpenApiExample("Issued", value=CERTIFICATE_EXAMPLE, response_only=True)],
    ),
)
class CertificateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilter
    permission_classes = [IsAuthenticated, KeyScopeAllows, SupplierWritesStaffReads]

    def get_queryset(self) -> QuerySet[Certificate]:
        return certificate_selectors.certificate_list(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(
        summary="Request and sign a certificate",
        description="Supplier administrators' keys only, with the same checks as the portal's form: "
        "every product must be yours, the current submitted revision, and evaluated as compliant under "
        "the active list (a refused product is named with the reason). The PDF is prepared in the "
        "background: poll the Location until the status is issued, then fetch pdf_url. Send an "
        "Idempotency-Key to retry safely.",
        tags=[TAG],
        request=CertificateRequestSerializer,
        responses={
            202: OpenApiResponse(CertificateSerializer, description="Signed; the PDF is being prepared."),
            400: ProblemSerializer,
            403: ProblemSerializer,
            409: ProblemSerializer,
        },
        examples=[
            OpenApiExample("Two products", value=REQUEST_EXAMPLE, request_only=True),
            OpenApiExample("Accepted", value=ACCEPTED_EXAMPLE, response_only=True, status_codes=["202"]),
            OpenApiExample(
                "A product is not compliant", value=REFUSED_EXAMPLE, response_only=True, status_codes=["400"]
            ),
        ],
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        supplier = supplier_for_user(request.user)
        if supplier is None or not certificate_services.is_supplier_admin(request.user, supplier):
            raise exceptions.PermissionDenied(
                _("Only the supplier's administrator may request certificates (use a key they created).")
            )
        form = CertificateRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            certificate = certificate_services.certificate_request_signed(
                by=request.user,
                supplier=supplier,
                product_ids=data["products"],
                language=data.get("language")
                or getattr(request.user, "language", "")
                or get_language()
                or "en",
                signer_name=data["signer_name"],
                signer_title=data["signer_title"],
                confirmed=data["confirm"],
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        render_certificate.delay_on_commit(certificate.pk)
        body = self.get_serializer(self.get_queryset().get(pk=certificate.pk)).data
        location = request.build_absolute_uri(
            reverse("api:certificate-detail", kwargs={"pk": certificate.pk})
        )
        return Response(body, status=202, headers={"Location": location})

    @extend_schema(
        summary="The certificate's PDF",
        description="409 while the certificate is being prepared (or if its preparation failed).",
        tags=[TAG],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The signed PDF."),
            (404, "application/problem+json"): ProblemSerializer,
            (409, "application/problem+json"): ProblemSerializer,
        },
        examples=[
            OpenApiExample("Not ready", value=NOT_READY_EXAMPLE, response_only=True, status_codes=["409"])
        ],
    )
    @action(detail=True, methods=["get"], renderer_classes=[PdfRenderer, JSONRenderer], filterset_class=None)
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        certificate = self.get_object()
        if not certificate.pdf:
            return problem(
                409,
                "certificate-not-issued",
                _("The PDF of this certificate is not ready: its status is “%(status)s”.")
                % {"status": certificate.state_label},
                instance=request.get_full_path(),
            )
        try:
            handle = certificate.pdf.open("rb")
        except FileNotFoundError as exc:
            raise exceptions.NotFound() from exc
        return FileResponse(
            handle, as_attachment=True, filename=f"{certificate.number}.pdf", content_type="application/pdf"
        )
