"""Regulated substance lists (Table 1 / Table 2 versions), their groups and members, and exemptions.

The lists are reference data: they are loaded from versioned files under fixtures/chemicals/ and a
version, once active, is never edited in place. Thresholds stay in the JSON shape of the fixture
because the evaluation engine reads them as plain data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RegulatedList(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.JSONField(_("title"), default=dict)
    version = models.CharField(_("version"), max_length=20)
    published = models.CharField(_("published"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    packaging_rule = models.JSONField(default=dict, blank=True)
    footnotes = models.JSONField(default=list, blank=True)
    source_sha256 = models.CharField(max_length=64, editable=False)
    # The whole list file as loaded: the evaluation engine reads its rules from exactly this document.
    document = models.JSONField(default=dict, blank=True, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("regulated substance list")
        verbose_name_plural = _("regulated substance lists")
        constraints = [
            # The whole portal evaluates against one list at a time.
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="one_active_list"),
        ]

    def __str__(self) -> str:
        return self.title.get("en") or self.code


class SubstanceGroup(models.Model):
    class Kind(models.TextChoices):
        PROHIBITED = "prohibited", _("Prohibited (Table 1)")
        MANAGED = "managed", _("Managed (Table 2)")

    class Basis(models.TextChoices):
        HOMOGENEOUS_MATERIAL = "homogeneous_material", _("Homogeneous material")
        PRODUCT_OR_LAYER = "product_or_layer", _("Product or any layer of it")

    regulated_list = models.ForeignKey(RegulatedList, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("code"), max_length=10)
    table = models.PositiveSmallIntegerField(_("table"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.JSONField(_("name"), default=dict)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    basis = models.CharField(_("denominator"), max_length=25, choices=Basis.choices)
    intentional_use_prohibited = models.BooleanField(_("intentional use prohibited"), default=False)
    counted_element = models.CharField(
        _("counted element"), max_length=8, blank=True, help_text=_("For 'X and its compounds' groups")
    )
    thresholds = models.JSONField(_("thresholds"), default=list)
    regions = models.JSONField(_("regions"), null=True, blank=True)
    legal_references = models.JSONField(_("legal references"), default=list)
    notes = models.JSONField(_("notes"), default=dict)
    sn_groups = models.JSONField(_("chemSHERPA group numbers"), default=list)

    class Meta:
        ordering = ["table", "number"]
        verbose_name = _("substance group")
        verbose_name_plural = _("substance groups")
        constraints = [
            models.UniqueConstraint(fields=["regulated_list", "code"], name="group_code_unique_per_list"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name.get('en', '')}"


class NamedSubstance(models.Model):
    """A substance as the reference files name it: CAS number, name and formula."""

    cas = models.CharField(_("CAS number"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=300)
    formula = models.CharField(_("formula"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.cas} {self.name}"


class GroupMember(NamedSubstance):
    """A substance named as a member of a group (the explicit CAS list)."""

    group = models.ForeignKey(SubstanceGroup, on_delete=models.CASCADE, related_name="members")
    element_mass_fraction = models.FloatField(
        _("mass fraction of the counted element"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["group", "cas"], name="member_cas_unique_per_group")]


class Exemption(models.Model):
    """A RoHS / ELV exemption, or a pseudo-exemption such as "No exemption" (is_exemption False)."""

    list_name = models.CharField(_("list"), max_length=40)
    item = models.CharField(_("item"), max_length=40)
    is_exemption = models.BooleanField(default=True)
    regulation = models.CharField(max_length=100, blank=True)
    substances = models.JSONField(default=list)
    text = models.JSONField(default=dict)
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    status = models.CharField(max_length=30, blank=True)
    aliases = models.JSONField(default=list)

    class Meta:
        ordering = ["list_name", "item"]
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        constraints = [models.UniqueConstraint(fields=["list_name", "item"], name="exemption_key_unique")]

    def __str__(self) -> str:
        return f"{self.list_name} {self.item}"


class ControlledSubstance(NamedSubstance):
    """Entries of whole registers that a group refers to: ozone-depleting substances (Class I / II),
    fluorinated greenhouse gases and the REACH SVHC candidate list."""

    register = models.CharField(_("register"), max_length=20)
    group = models.CharField(_("class or group"), max_length=60, blank=True)
    # The SVHC candidate list identifies some entries by EC number only, and dates each inclusion.
    ec_number = models.CharField(_("EC number"), max_length=12, blank=True)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    reason = models.CharField(_("reason for inclusion"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("controlled substance")
        verbose_name_plural = _("controlled substances")
        constraints = [
            models.UniqueConstraint(
                fields=["register", "cas", "ec_number", "name"], name="controlled_entry_unique"
            )
        ]
