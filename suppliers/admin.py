from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from suppliers.models import (
    BuyerGroup,
    BuyerUnit,
    Invitation,
    Membership,
    RegistrationRequest,
    Site,
    Supplier,
    SupplierCategory,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["supplier"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "language"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal"), {"fields": ["full_name", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(BuyerGroup)
class BuyerGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(BuyerUnit)
class BuyerUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "group"]
    search_fields = ["name", "code"]


@admin.register(SupplierCategory)
class SupplierCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "__str__"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "local_name", "country", "duns", "status", "created_at"]
    list_filter = ["status", "country", "buyer_units"]
    search_fields = ["legal_name", "local_name", "duns"]
    filter_horizontal = ["buyer_units", "categories"]
    inlines = [SiteInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "supplier", "role", "status", "created_at", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "supplier__legal_name"]
    readonly_fields = ["nonce", "emailed_at", "accepted_at", "accepted_by"]


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "country", "contact_email", "buyer_unit", "status", "created_at"]
    list_filter = ["status", "buyer_unit"]
    search_fields = ["legal_name", "contact_email"]
