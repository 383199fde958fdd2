"""Chemical-content pages. They join the suppliers' `supplier` and `staff` namespaces (see the root
urls), so the tenancy walk in tests/suppliers covers them with the same rules."""


supplier_urlpatterns: list = []

staff_urlpatterns: list = []
