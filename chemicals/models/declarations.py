"""An uploaded declaration file and what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suppliers.querysets import SupplierOwnedQuerySet


def declaration_path(instance: Declaration, filename: str) -> str:
    # The stored name never uses the supplier's file name: it may hold anything.
    return f"declarations/{instance.supplier_id}/{instance.sha256}"


class Declaration(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        PARSING = "parsing", _("Reading")
        STORED = "stored", _("Stored")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        API = "api", _("API")
        EDITOR = "editor", _("Editor")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.CASCADE, related_name="declarations")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    file = models.FileField(upload_to=declaration_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    format = models.CharField(_("format"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=40, blank=True)
    problems = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    product_count = models.PositiveIntegerField(default=0)
    substance_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SupplierOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("declaration file")
        verbose_name_plural = _("declaration files")
        constraints = [
            # The same bytes from the same supplier are one declaration (recognised, not re-read).
            models.UniqueConstraint(fields=["supplier", "sha256"], name="declaration_bytes_unique"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.STORED, self.Status.REJECTED, self.Status.FAILED}
