"""Responses to a campaign, their versions (the audit trail), review comments, evidence and reminders."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suppliers.querysets import SupplierOwnedQuerySet


class Response(models.Model):
    """One supplier's (or one site's) answers to one campaign.

    `answers` holds the current answer set (see surveys/answers.py for its shape); every change also
    writes a ResponseVersion, so what was submitted, returned and accepted can always be shown.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        ACCEPTED = "accepted", _("Accepted")

    campaign = models.ForeignKey("surveys.Campaign", on_delete=models.CASCADE, related_name="responses")
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.CASCADE, related_name="survey_responses"
    )
    site = models.ForeignKey(
        "suppliers.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="survey_responses"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)
    answered = models.PositiveIntegerField(default=0)
    required = models.PositiveIntegerField(default=0)
    score = models.FloatField(_("score"), null=True, blank=True)
    # The risk band (SAQ) or rating (environmental surveys) of `score`.
    grade = models.CharField(_("risk band / rating"), max_length=10, blank=True)
    score_detail = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SupplierOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "supplier", "site"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "supplier"],
                condition=models.Q(site__isnull=True),
                name="response_one_per_supplier",
            ),
            models.UniqueConstraint(
                fields=["campaign", "site"],
                condition=models.Q(site__isnull=False),
                name="response_one_per_site",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="response_campaign_status")]
        verbose_name = _("survey response")

    def __str__(self) -> str:
        return f"{self.campaign} / {self.supplier_id}" + (f" / {self.site_id}" if self.site_id else "")

    @property
    def is_editable_by_supplier(self) -> bool:
        return self.status in (self.Status.NOT_STARTED, self.Status.DRAFT, self.Status.RETURNED)


class ResponseVersion(models.Model):
    """A snapshot of a response after one change: who, when, what happened and the answers then."""

    class Event(models.TextChoices):
        CREATED = "created", _("Created")
        SAVED = "saved", _("Saved")
        PREFILLED = "prefilled", _("Pre-filled from last year")
        IMPORTED = "imported", _("Imported from Excel")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        ACCEPTED = "accepted", _("Accepted")
        REOPENED = "reopened", _("Reopened")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    event = models.CharField(max_length=12, choices=Event.choices)
    status = models.CharField(max_length=12, choices=Response.Status.choices)
    answers = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["response", "number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "number"], name="response_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} v{self.number} {self.event}"


class ReviewComment(models.Model):
    """A reviewer's remark on one question (or on the whole response when `question` is empty)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    question = models.CharField(_("question"), max_length=20, blank=True)
    body = models.TextField(_("comment"))
    # The revision the reviewer was looking at.
    revision = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.response_id} {self.question or '-'}: {self.body[:40]}"


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    # A random name: the supplier's own file name is kept in `name` and never used as a path.
    return f"survey-evidence/{instance.response.supplier_id}/{uuid.uuid4().hex}"


class EvidenceFile(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="evidence")
    question = models.CharField(_("question"), max_length=20)
    file = models.FileField(upload_to=evidence_path, max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class ReminderSent(models.Model):
    """One reminder e-mail round for one response. The unique key makes a re-run send nothing twice."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        DUE_14 = "due_14", _("Due in 14 days")
        DUE_7 = "due_7", _("Due in 7 days")
        DUE_1 = "due_1", _("Due tomorrow")
        OVERDUE = "overdue", _("Overdue")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Distinguishes the weekly overdue notices ("2026-W48"); empty for the one-off kinds.
    period = models.CharField(max_length=10, blank=True)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["response", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["response", "kind", "period"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.kind} {self.period}".strip()
