"""Non-inclusion guarantee certificates as the API shows them, and the request an ERP sends."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.certificate_services import MAX_PRODUCTS
from compliance.models import STATE_CHOICES, Certificate, CertificateProduct


class CertificateSupplierSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    legal_name = serializers.CharField(read_only=True)


class CertifiedProductSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Null once the product row was deleted."
    )
    exemptions = serializers.ListField(
        child=serializers.DictField(), read_only=True, help_text="Exemptions relied on, as signed."
    )

    class Meta:
        model = CertificateProduct
        fields = ["product_id", "part_number", "name", "revision", "exemptions"]
        read_only_fields = fields


class CertificateSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(
        help_text="requested, rendering (being prepared), issued, failed, revoked, or expired (an issued "
        "certificate past its valid_until)."
    )
    supplier = CertificateSupplierSerializer(read_only=True)
    regulated_list = serializers.SlugRelatedField(slug_field="code", read_only=True)
    products = CertifiedProductSerializer(many=True, read_only=True)
    verification_url = serializers.SerializerMethodField(
        help_text="The public page that confirms the certificate; null until it is issued."
    )
    pdf_url = serializers.SerializerMethodField(help_text="Where to fetch the PDF; null until it is issued.")

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "status",
            "supplier",
            "language",
            "regulated_list",
            "products",
            "requested_at",
            "signer_name",
            "signer_title",
            "signed_at",
            "issued_on",
            "valid_until",
            "issued_at",
            "revoked_at",
            "revoked_reason",
            "verification_url",
            "pdf_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=STATE_CHOICES))
    def get_status(self, obj: Certificate) -> str:
        return obj.state(self.context.get("today"))

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(OpenApiTypes.URI)
    def get_verification_url(self, obj: Certificate) -> str | None:
        if obj.issued_at is None:
            return None
        return self._absolute(reverse("certificate_verify", kwargs={"code": obj.verification_code}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, obj: Certificate) -> str | None:
        if not obj.pdf:
            return None
        return self._absolute(reverse("api:certificate-pdf", kwargs={"pk": obj.pk}))


class CertificateRequestSerializer(serializers.Serializer):
    """The request form's inputs. Which products may be certified, and why one may not, is decided by
    certificate_services (the same checks as the portal's form)."""

    products = serializers.ListField(
        # Bounded like the database's ids: a larger number is no product, not a server error.
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        allow_empty=False,
        max_length=MAX_PRODUCTS,
        help_text="Ids of your current, submitted products evaluated as compliant under the active list.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, help_text="Of the certificate; default: yours."
    )
    # Blank is the service's to refuse, with the portal's message.
    signer_name = serializers.CharField(max_length=200, allow_blank=True, help_text="The person who signs.")
    signer_title = serializers.CharField(
        max_length=200, allow_blank=True, help_text="e.g. Quality Assurance Manager"
    )
    confirm = serializers.BooleanField(
        help_text="true: the signer is authorised to sign this guarantee on behalf of the company and, "
        "to the best of their knowledge, the products do not contain the prohibited substances of the "
        "active list."
    )
