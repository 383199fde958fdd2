"""Certificate pages. The supplier and staff lists join those namespaces in the root urls (so the
tenancy walk in tests/suppliers covers them); the verification page is public."""

from django.urls import path

from compliance.views import certificates, dashboard, supplier_home, supplier_overview, verify

supplier_urlpatterns: list = [
    # supplier home: "" in the supplier namespace; no other app's supplier pattern matches the empty path.
    path("", supplier_home.home, name="home"),
    path("certificates/", certificates.certificate_list, name="certificate_list"),
    path("certificates/request/", certificates.certificate_request, name="certificate_request"),
    path("certificates/<int:certificate_pk>/", certificates.certificate_detail, name="certificate_detail"),
    path(
        "certificates/<int:certificate_pk>/status/",
        certificates.certificate_status,
        name="certificate_status",
    ),
    path("certificates/<int:certificate_pk>/pdf/", certificates.certificate_pdf, name="certificate_pdf"),
    path(
        "certificates/<int:certificate_pk>/retry/", certificates.certificate_retry, name="certificate_retry"
    ),
]

staff_urlpatterns: list = [
    # dashboard
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/weakest/", dashboard.dashboard_weakest, name="dashboard_weakest"),
    path("dashboard/export/<str:table>.<str:fmt>/", dashboard.dashboard_export, name="dashboard_export"),
    # supplier overview
    path("suppliers/<int:supplier_pk>/", supplier_overview.supplier_detail, name="supplier_detail"),
    path("certificates/", certificates.staff_certificate_list, name="certificate_list"),
    path(
        "certificates/<int:certificate_pk>/",
        certificates.staff_certificate_detail,
        name="certificate_detail",
    ),
    path(
        "certificates/<int:certificate_pk>/pdf/", certificates.staff_certificate_pdf, name="certificate_pdf"
    ),
]

public_urlpatterns: list = [
    path("verify/<str:code>/", verify.certificate_verify, name="certificate_verify"),
]
