"""Certificate pages. The supplier and staff lists join those namespaces in the root urls (so the
tenancy walk in tests/suppliers covers them); the verification page is public."""

from django.urls import path

from compliance.views import certificates, verify

supplier_urlpatterns: list = [
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
