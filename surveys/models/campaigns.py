"""Survey campaigns: one questionnaire version sent to a set of suppliers for a year, with dates."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suppliers import access


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CampaignQuerySet:
        """Staff see the campaigns of their buyer units and the group-wide ones; suppliers see those
        that sent them a response."""
        viewer = access.viewer_for(user)
        if not viewer.is_authenticated:
            return self.none()
        if viewer.sees_whole_group:
            return self
        if viewer.unit_roles:
            return self.filter(
                models.Q(buyer_unit__isnull=True) | models.Q(buyer_unit_id__in=list(viewer.unit_roles))
            )
        if viewer.is_supplier:
            return self.filter(responses__supplier_id=viewer.supplier_id).distinct()
        return self.none()


class Campaign(models.Model):
    class Level(models.TextChoices):
        COMPANY = "company", _("Company")
        SITE = "site", _("Site")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Targeting(models.TextChoices):
        ALL = "all", _("All suppliers")
        UNITS = "units", _("By buyer unit")
        CATEGORIES = "categories", _("By category")
        COUNTRIES = "countries", _("By country")
        SUPPLIERS = "suppliers", _("Hand-picked suppliers")

    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    questionnaire = models.ForeignKey(
        "surveys.QuestionnaireVersion", on_delete=models.PROTECT, related_name="campaigns"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.COMPANY)
    # The unit that runs the campaign; its staff manage it. Empty: run by the group's administrators.
    buyer_unit = models.ForeignKey(
        "suppliers.BuyerUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns"
    )
    opens_on = models.DateField(_("opens on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # What the creator chose, kept for the record: {"mode": "...", "values": [...]}.
    targeting = models.JSONField(_("targets"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-opens_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("opens_on")), name="campaign_due_after_open"
            ),
        ]
        verbose_name = _("campaign")

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def is_open_for_answers(self, today: datetime.date | None = None) -> bool:
        """Suppliers may write while the campaign is open and has started; the due date only makes
        them overdue (late answers are better than none)."""
        today = today or timezone.localdate()
        return self.status == self.Status.OPEN and self.opens_on <= today
