from django.urls import path

from suppliers.views import api_keys, staff, supplier_home

# The supplier home ("" -> "home") and the staff supplier page (suppliers/<pk>/ -> "supplier_detail")
# show surveys, chemicals and compliance data, so they are routed in compliance/urls.py.

supplier_urlpatterns = [
    path("profile/", supplier_home.profile_edit, name="profile_edit"),
    path("sites/new/", supplier_home.site_edit, name="site_new"),
    path("sites/<int:site_pk>/", supplier_home.site_edit, name="site_edit"),
    path("sites/<int:site_pk>/delete/", supplier_home.site_delete, name="site_delete"),
    path("invitations/new/", supplier_home.invitation_new, name="invitation_new"),
    path(
        "invitations/<int:invitation_pk>/revoke/",
        supplier_home.invitation_revoke,
        name="invitation_revoke",
    ),
    path("members/<int:membership_pk>/remove/", supplier_home.member_remove, name="member_remove"),
    path("api-keys/", api_keys.supplier_key_list, name="api_key_list"),
    path("api-keys/new/", api_keys.supplier_key_new, name="api_key_new"),
    path("api-keys/<int:key_pk>/revoke/", api_keys.supplier_key_revoke, name="api_key_revoke"),
]

staff_urlpatterns = [
    path("suppliers/", staff.supplier_directory, name="supplier_directory"),
    path("suppliers/export.<str:fmt>", staff.supplier_export, name="supplier_export"),
    path("suppliers/new/", staff.supplier_edit, name="supplier_new"),
    path("suppliers/<int:supplier_pk>/edit/", staff.supplier_edit, name="supplier_edit"),
    path("suppliers/<int:supplier_pk>/invite/", staff.supplier_invite, name="supplier_invite"),
    path("registrations/", staff.registration_list, name="registration_list"),
    path(
        "registrations/<int:registration_pk>/approve/",
        staff.registration_approve,
        name="registration_approve",
    ),
    path(
        "registrations/<int:registration_pk>/reject/",
        staff.registration_reject,
        name="registration_reject",
    ),
    path("api-keys/", api_keys.staff_key_list, name="api_key_list"),
    path("api-keys/new/", api_keys.staff_key_new, name="api_key_new"),
    path("api-keys/<int:key_pk>/revoke/", api_keys.staff_key_revoke, name="api_key_revoke"),
]
