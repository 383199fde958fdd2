"""Survey pages. The supplier and staff lists join those namespaces in the root urls, so the tenancy
walk in tests/suppliers covers them."""

from surveys.urls_staff import staff_urlpatterns
from surveys.urls_supplier import supplier_urlpatterns

__all__ = ["staff_urlpatterns", "supplier_urlpatterns"]
