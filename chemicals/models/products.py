"""Products and their composition trees, as stored.

A tree is written once per revision and never edited in place after it is submitted: a new file or
an edit for the same part number makes a new revision, and evaluations keep pointing at the revision
they judged. Masses are stored in milligrams (Decimal); the declared text is kept for display.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suppliers.querysets import SupplierOwnedQuerySet

# Up to 10^15 mg (a thousand tonnes) with ten decimals: 0.0009 g is 0.9 mg, percentages of it smaller.
MASS = {"max_digits": 28, "decimal_places": 10, "null": True, "blank": True}


class Product(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        MIXTURE = "mixture", _("Chemical product (mixture)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.CASCADE, related_name="products")
    part_number = models.CharField(_("part number"), max_length=100)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    is_current = models.BooleanField(_("current revision"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    name = models.CharField(_("name"), max_length=300, blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    unit_type = models.CharField(_("unit"), max_length=10, default="each")
    mass_mg = models.DecimalField(_("mass (mg)"), **MASS)
    declared_mass = models.CharField(_("declared mass"), max_length=60, blank=True)
    buyer_part_number = models.CharField(_("buyer's part number"), max_length=100, blank=True)
    destination_markets = models.JSONField(_("destination markets"), default=list, blank=True)
    is_article = models.BooleanField(null=True, blank=True)
    effective_date = models.CharField(max_length=20, blank=True)
    versions = models.JSONField(default=dict, blank=True)
    compliance = models.JSONField(_("compliance section of the file"), default=list, blank=True)
    comment = models.TextField(blank=True)
    declaration = models.ForeignKey(
        "chemicals.Declaration", on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    warnings = models.JSONField(default=list, blank=True)
    # The verdict under the active list version (blank: not evaluated yet); the findings are in
    # ProductEvaluation. Kept here because every list, filter and certificate asks for it.
    verdict = models.CharField(_("verdict"), max_length=14, blank=True, db_index=True)
    verdict_list = models.ForeignKey(
        "chemicals.RegulatedList", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evaluated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupplierOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["part_number", "-revision"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "part_number", "revision"], name="product_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["supplier", "part_number"], condition=Q(is_current=True), name="one_current_revision"
            ),
        ]
        indexes = [
            models.Index(fields=["supplier", "is_current", "part_number"]),
            # The dashboard counts the buyer's view of 100,000 products by verdict from this index
            # alone (a tenth of the table's size).
            models.Index(
                fields=["verdict", "supplier"],
                condition=Q(status="submitted", is_current=True),
                name="product_current_verdict_idx",
            ),
            # The few part numbers whose current revision is a draft: where the buyer still sees the
            # previous submitted revision (product_selectors.kept_under_draft), found without a scan.
            models.Index(
                fields=["supplier", "part_number"],
                condition=Q(status="draft", is_current=True),
                name="product_current_draft_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} rev. {self.revision}"


class ProductPart(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="parts")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    depth = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=300, blank=True)
    identifier = models.CharField(_("part number"), max_length=100, blank=True)
    number_of_units = models.DecimalField(_("number of units"), max_digits=20, decimal_places=6, default=1)
    mass_mg = models.DecimalField(_("mass of one unit (mg)"), **MASS)
    declared_mass = models.CharField(max_length=60, blank=True)
    is_article = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")

    def __str__(self) -> str:
        return self.name or self.identifier


class Material(models.Model):
    """A homogeneous material, inside one unit of its part (or directly in the product)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="materials")
    part = models.ForeignKey(
        ProductPart, on_delete=models.CASCADE, null=True, blank=True, related_name="materials"
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=300)
    code = models.CharField(_("material code"), max_length=20, blank=True)
    material_class = models.CharField(_("material class"), max_length=20, blank=True)
    use_code = models.CharField(_("use"), max_length=4, blank=True)
    is_packaging = models.BooleanField(_("packaging"), default=False)
    is_article = models.BooleanField(null=True, blank=True)
    mass_mg = models.DecimalField(_("mass (mg)"), **MASS)
    declared_mass = models.CharField(max_length=60, blank=True)
    comment = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name


class SubstanceEntry(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="substance_entries")
    material = models.ForeignKey(
        Material, on_delete=models.CASCADE, null=True, blank=True, related_name="substances"
    )
    part = models.ForeignKey(
        ProductPart, on_delete=models.CASCADE, null=True, blank=True, related_name="substances"
    )
    position = models.PositiveIntegerField(default=0)
    identifier = models.CharField(_("CAS or SN number"), max_length=30, blank=True)
    cas = models.CharField(_("CAS number"), max_length=12, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=500, blank=True)
    mass_percent = models.DecimalField(_("mass %"), max_digits=20, decimal_places=10, null=True, blank=True)
    mass_mg = models.DecimalField(_("mass in its material (mg)"), **MASS)
    # Mass in one unit of the product, with every numberOfUnits multiplier applied (formats.md §7).
    product_mass_mg = models.DecimalField(_("mass in the product (mg)"), **MASS)
    intentional = models.BooleanField(_("intentionally added"), null=True, blank=True)
    exemptions = models.JSONField(_("exemptions claimed"), default=list, blank=True)
    comment = models.TextField(blank=True)
    description_of_use = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("substance entry")
        verbose_name_plural = _("substance entries")

    def __str__(self) -> str:
        return f"{self.identifier} {self.name}"
