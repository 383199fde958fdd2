"""Chemical-content pages. They join the suppliers' `supplier` and `staff` namespaces (see the root
urls), so the tenancy walk in tests/suppliers covers them with the same rules."""

from django.urls import path  # noqa: F401  (routes are added below as the pages arrive)

from chemicals.urls_editor import editor_urlpatterns

supplier_urlpatterns: list = [*editor_urlpatterns]

staff_urlpatterns: list = []
