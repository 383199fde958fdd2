"""Read-only admin: certificates are signed records, changed only through compliance services."""

from __future__ import annotations

from django.contrib import admin

from compliance.models import Certificate, CertificateProduct, CertificateReminder


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CertificateProductInline(admin.TabularInline):
    model = CertificateProduct
    extra = 0
    fields = ["part_number", "name", "revision", "product"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "supplier", "status", "issued_on", "valid_until", "revoked_at"]
    list_filter = ["status", "language"]
    search_fields = ["number", "supplier__legal_name", "products__part_number"]
    exclude = ["verification_code"]
    inlines = [CertificateProductInline]


@admin.register(CertificateReminder)
class CertificateReminderAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "kind", "recipient", "sent_at"]
    list_filter = ["kind"]
