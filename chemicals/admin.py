from django.contrib import admin

from chemicals.models import ControlledSubstance, Exemption, GroupMember, RegulatedList, SubstanceGroup


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reference data is loaded from fixtures/; the admin shows it but does not edit it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegulatedList)
class RegulatedListAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "published", "status", "activated_at"]


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    can_delete = False
    readonly_fields = ["cas", "name", "formula", "element_mass_fraction"]


@admin.register(SubstanceGroup)
class SubstanceGroupAdmin(ReadOnlyAdmin):
    list_display = ["code", "__str__", "kind", "basis", "intentional_use_prohibited", "regulated_list"]
    list_filter = ["regulated_list", "table", "kind"]
    inlines = [GroupMemberInline]


@admin.register(Exemption)
class ExemptionAdmin(ReadOnlyAdmin):
    list_display = ["list_name", "item", "is_exemption", "expires_on", "status"]
    list_filter = ["list_name", "is_exemption", "status"]
    search_fields = ["item"]


@admin.register(ControlledSubstance)
class ControlledSubstanceAdmin(ReadOnlyAdmin):
    list_display = ["cas", "name", "register", "group"]
    list_filter = ["register"]
    search_fields = ["cas", "name"]
