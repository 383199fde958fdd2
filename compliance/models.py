"""Non-inclusion guarantee certificates (Green Procurement Guidelines Ver. 13.0, §2.2 and §2.3).

A supplier administrator signs a guarantee that the listed product revisions do not contain the
prohibited substances (Table 1) of the active list version; the portal renders it as a PDF with a
verification code anybody can check at /verify/<code>/. The certificate keeps a snapshot of what was
signed (part numbers, names, revisions, exemptions relied on), so later revisions of a product never
change a certificate already issued: they revoke it when they are no longer compliant.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suppliers.querysets import SupplierOwnedQuerySet

# Shown and filtered like a status, but never stored: an issued certificate expires by the calendar.
EXPIRED = "expired"


def certificate_pdf_path(instance: Certificate, filename: str) -> str:
    return f"certificates/{instance.supplier_id}/{instance.number}.pdf"


class CertificateQuerySet(SupplierOwnedQuerySet):
    def in_state(self, state: str, today: datetime.date | None = None) -> CertificateQuerySet:
        """Filter by the state users see: the stored status, with "issued" split by the calendar."""
        today = today or timezone.localdate()
        if state == EXPIRED:
            return self.filter(status=Certificate.Status.ISSUED, valid_until__lt=today)
        if state == Certificate.Status.ISSUED:
            return self.filter(status=Certificate.Status.ISSUED, valid_until__gte=today)
        return self.filter(status=state)

    def expiring_within(self, days: int, today: datetime.date | None = None) -> CertificateQuerySet:
        today = today or timezone.localdate()
        return self.in_state(Certificate.Status.ISSUED, today).filter(
            valid_until__lte=today + datetime.timedelta(days=days)
        )


class Certificate(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        RENDERING = "rendering", _("Being prepared")
        ISSUED = "issued", _("Valid")
        FAILED = "failed", _("Failed")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.CASCADE, related_name="certificates")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    regulated_list = models.ForeignKey(
        "chemicals.RegulatedList", on_delete=models.PROTECT, related_name="certificates"
    )
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Printed on the PDF and in its QR code; it is the only key to the public verification page.
    verification_code = models.CharField(max_length=64, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    # The signature: the name and title are typed by the person, who also ticks the confirmation.
    signer_name = models.CharField(_("signer's name"), max_length=200, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=200, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_ip = models.GenericIPAddressField(_("signed from IP address"), null=True, blank=True)
    signed_user_agent = models.CharField(_("signed with browser"), max_length=300, blank=True)
    pdf = models.FileField(upload_to=certificate_pdf_path, max_length=200, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    render_started_at = models.DateTimeField(null=True, blank=True)
    render_error = models.TextField(blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("non-inclusion guarantee certificate")
        verbose_name_plural = _("non-inclusion guarantee certificates")
        indexes = [
            models.Index(fields=["supplier", "status"]),
            models.Index(fields=["status", "valid_until"]),
        ]

    def __str__(self) -> str:
        return self.number

    def state(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status == self.Status.ISSUED and self.valid_until and self.valid_until < today:
            return EXPIRED
        return self.status

    @property
    def current_state(self) -> str:
        return self.state()

    @property
    def state_label(self) -> Any:
        return STATE_LABELS[self.current_state]

    @property
    def is_finished(self) -> bool:
        """Nothing more will happen without someone acting: the detail page stops polling."""
        return self.status not in (self.Status.REQUESTED, self.Status.RENDERING)


STATE_CHOICES = [*Certificate.Status.choices, (EXPIRED, _("Expired"))]
STATE_LABELS = dict(STATE_CHOICES)


class CertificateProduct(models.Model):
    """One product revision on a certificate, with what was printed about it."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="products")
    # SET_NULL: the certificate is a signed record and outlives the product row it was made from.
    product = models.ForeignKey(
        "chemicals.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    part_number = models.CharField(_("part number"), max_length=100)
    name = models.CharField(_("name"), max_length=300, blank=True)
    revision = models.PositiveIntegerField(_("revision"))
    # The evaluation's exemptions_relied_on under the certificate's list, as signed.
    exemptions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["part_number", "revision"]
        verbose_name = _("certified product")
        verbose_name_plural = _("certified products")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "product"], name="certificate_product_once"),
        ]
        indexes = [models.Index(fields=["part_number"])]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.part_number} rev. {self.revision}"


class CertificateReminder(models.Model):
    """An expiry reminder that went out; the unique key makes the daily task send each one once."""

    class Kind(models.TextChoices):
        EXPIRY_30 = "expiry-30", _("30 days before expiry")
        EXPIRY_7 = "expiry-7", _("7 days before expiry")
        EXPIRED = "expired", _("Expired")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    recipient = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("certificate reminder")
        verbose_name_plural = _("certificate reminders")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "kind", "recipient"], name="reminder_sent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind} {self.recipient}"
