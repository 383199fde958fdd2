"""Evaluation results: one row per (product revision, list version), and the re-evaluation runs that a
newly activated list version starts, with the verdict changes they found (the impact report).

The findings stay a JSON list because they are written and read whole, by one product page or one
certificate; what lists and dashboards filter on (verdict, breached groups, counts) is in columns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Not compliant")
    INCOMPLETE = "incomplete", _("Incomplete")


class ProductEvaluation(models.Model):
    product = models.ForeignKey("chemicals.Product", on_delete=models.CASCADE, related_name="evaluations")
    regulated_list = models.ForeignKey(
        "chemicals.RegulatedList", on_delete=models.PROTECT, related_name="evaluations"
    )
    as_of = models.DateField(_("as of"))
    verdict = models.CharField(_("verdict"), max_length=14, choices=Verdict.choices)
    findings = models.JSONField(default=list)
    # Disagreements with the file's own compliance section, and notes on the evaluation itself.
    warnings = models.JSONField(default=list)
    breached_groups = models.JSONField(_("breached groups"), default=list)
    exemptions_relied_on = models.JSONField(default=list)
    unknown_count = models.PositiveIntegerField(default=0)
    declared_count = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-evaluated_at"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["product", "regulated_list"], name="one_evaluation_per_list"),
        ]
        indexes = [
            # The dashboard's non-compliant and incomplete products: found without reading all the
            # evaluations (whose findings make the rows wide), the UNKNOWN count read from the index.
            models.Index(
                fields=["verdict", "regulated_list", "product", "unknown_count"],
                name="evaluation_verdict_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.regulated_list_id} {self.verdict}"


class ReevaluationRun(models.Model):
    """Re-evaluating every current product after a list version is activated, in batches."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    regulated_list = models.ForeignKey(
        "chemicals.RegulatedList", on_delete=models.CASCADE, related_name="reevaluations"
    )
    previous_list = models.ForeignKey(
        "chemicals.RegulatedList", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    batches_total = models.PositiveIntegerField(default=0)
    batches_done = models.PositiveIntegerField(default=0)
    # Indices of the finished batches: a batch task that runs twice is counted once.
    completed_batches = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("re-evaluation")
        verbose_name_plural = _("re-evaluations")

    def __str__(self) -> str:
        return f"{self.regulated_list_id} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, int(100 * self.done / self.total))


class VerdictChange(models.Model):
    """One product whose verdict a re-evaluation changed: the rows of the impact report."""

    run = models.ForeignKey(ReevaluationRun, on_delete=models.CASCADE, related_name="changes")
    product = models.ForeignKey("chemicals.Product", on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.CASCADE, related_name="+")
    old_verdict = models.CharField(max_length=14, blank=True, choices=Verdict.choices)
    new_verdict = models.CharField(max_length=14, choices=Verdict.choices)
    old_breached = models.JSONField(default=list)
    new_breached = models.JSONField(default=list)

    class Meta:
        ordering = ["supplier_id", "product_id"]
        constraints = [models.UniqueConstraint(fields=["run", "product"], name="one_change_per_run")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.old_verdict} -> {self.new_verdict}"
