"""Accounts and organisations: users, the buying group's units, suppliers, their sites and memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.crypto import KeyGenerator

from suppliers.querysets import (
    InvitationQuerySet,
    MembershipQuerySet,
    RegistrationRequestQuerySet,
    SiteQuerySet,
    SupplierQuerySet,
)
from suppliers.roles import STAFF_ROLES, SUPPLIER_ROLES, Role

if TYPE_CHECKING:
    from collections.abc import Iterable


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail addresses are stored lower-cased; make login case-insensitive to match.
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address.

    What the person may see and do comes from their memberships, not from flags on this row;
    `is_staff` only opens the Django admin and is reserved for administrators.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class BuyerGroup(models.Model):
    """The buying company (e.g. a manufacturing group) that runs the programme."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("buyer group")
        verbose_name_plural = _("buyer groups")

    def __str__(self) -> str:
        return self.name


class BuyerUnit(models.Model):
    """A procurement department of the buyer group; staff see the suppliers of their units."""

    group = models.ForeignKey(BuyerGroup, on_delete=models.PROTECT, related_name="units")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("buyer unit")
        verbose_name_plural = _("buyer units")

    def __str__(self) -> str:
        return self.name


class SupplierCategory(models.Model):
    """What a supplier delivers (reference data from fixtures/suppliers/categories.json)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    names = models.JSONField(_("names"), default=dict, help_text="{'en': ..., 'ja': ..., 'zh-hans': ...}")

    class Meta:
        ordering = ["code"]
        verbose_name = _("supplier category")
        verbose_name_plural = _("supplier categories")

    def __str__(self) -> str:
        return self.names.get("en") or self.code

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code


class Supplier(models.Model):
    """A procurement partner company."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    legal_name = models.CharField(_("legal name"), max_length=255)
    local_name = models.CharField(_("local-language name"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 two-letter code"))
    address = models.TextField(_("address"), blank=True)
    duns = models.CharField(_("DUNS number"), max_length=9, blank=True)
    tax_id = models.CharField(_("tax / company registration number"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)
    categories = models.ManyToManyField(
        SupplierCategory, blank=True, related_name="suppliers", verbose_name=_("categories")
    )
    buyer_units = models.ManyToManyField(
        BuyerUnit, related_name="suppliers", verbose_name=_("buyer units supplied")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    profile_completed_at = models.DateTimeField(_("profile completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        indexes = [
            models.Index(fields=["legal_name"]),
            models.Index(fields=["country", "legal_name"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["duns"], condition=~Q(duns=""), name="supplier_duns_unique_when_set"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name


class Site(models.Model):
    """A facility of a supplier (factory, warehouse, office)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("site name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    country = models.CharField(_("country"), max_length=2)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "name"], name="site_name_unique_per_supplier")
        ]

    def __str__(self) -> str:
        return self.name


def _role_q(roles: Iterable[str]) -> Q:
    return Q(role__in=sorted(roles))


class Membership(models.Model):
    """What a user is in the portal.

    A supplier role ties the user to one supplier. A staff role ties the user to a buyer unit, or to
    no unit for an administrator, who sees the whole group.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    buyer_unit = models.ForeignKey(
        BuyerUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(_role_q(SUPPLIER_ROLES) & Q(supplier__isnull=False, buyer_unit__isnull=True))
                | (
                    _role_q(STAFF_ROLES - {Role.ADMINISTRATOR})
                    & Q(supplier__isnull=True, buyer_unit__isnull=False)
                )
                | (Q(role=Role.ADMINISTRATOR) & Q(supplier__isnull=True)),
                name="membership_role_matches_organisation",
            ),
            # A supplier user belongs to exactly one supplier: the tenancy rule relies on it.
            models.UniqueConstraint(
                fields=["user"], condition=Q(supplier__isnull=False), name="one_supplier_per_user"
            ),
            models.UniqueConstraint(
                fields=["user", "buyer_unit", "role"],
                condition=Q(supplier__isnull=True),
                name="staff_membership_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.supplier or self.buyer_unit or _("whole group")
        return f"{self.user} - {self.get_role_display()} - {where}"


class Invitation(models.Model):
    """A single-use, expiring link that lets a person join a supplier.

    The link carries a token signed with SECRET_KEY over (id, nonce); only the nonce is stored, so a
    database leak alone does not hand out working links, and the e-mail task can rebuild the link from
    the id without the secret ever passing through the broker.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(
        _("role"),
        max_length=30,
        choices=[(r.value, r.label) for r in Role if r in SUPPLIER_ROLES],
        default=Role.SUPPLIER_ADMIN,
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    nonce = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} -> {self.supplier}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired


class RegistrationRequest(models.Model):
    """A company that asks to join the programme on its own; staff approve or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    legal_name = models.CharField(_("legal name"), max_length=255)
    local_name = models.CharField(_("local-language name"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2)
    address = models.TextField(_("address"), blank=True)
    duns = models.CharField(_("DUNS number"), max_length=9, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    buyer_unit = models.ForeignKey(
        BuyerUnit,
        on_delete=models.PROTECT,
        related_name="registration_requests",
        verbose_name=_("buyer unit you supply"),
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    objects = RegistrationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")

    def __str__(self) -> str:
        return self.legal_name


class ApiKey(models.Model):
    """A key an ERP uses for /api/v1/: `<prefix>.<secret>`, stored as the prefix (to find the row) and a
    sha512 of the whole key (djangorestframework-api-key's generator and hasher; a random 32-character
    secret needs no slow password hash). The clear key is shown once, when created.

    A key acts on behalf of the user who created it, inside that user's organisation: a supplier key
    for `supplier`, a buyer-side key (supplier NULL) with the creator's buyer units. If the creator
    leaves the organisation the key stops working, so a key never outlives the authority it came
    from."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    generator = KeyGenerator(prefix_length=8, secret_key_length=32)

    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    hashed_key = models.CharField(max_length=150, editable=False)
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def assign_new_key(self) -> str:
        """Generate the key, keep only its hash; return the clear key (to be shown once)."""
        key, self.prefix, self.hashed_key = self.generator.generate()
        return key

    def matches(self, key: str) -> bool:
        return self.generator.verify(key, self.hashed_key)

    @property
    def has_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.has_expired

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @property
    def is_buyer_side(self) -> bool:
        return self.supplier_id is None


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an `Idempotency-Key` header, so a retried request gets the
    same answer and a reused key with another body is refused (409). Keys are per principal (API key or
    user) and kept for IDEMPOTENCY_TTL_HOURS."""

    principal = models.CharField(max_length=160)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    # NULL status = the first request is still running.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
