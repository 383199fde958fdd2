staff_urlpatterns: list = []
