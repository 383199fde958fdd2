supplier_urlpatterns: list = []
