"""Routes of the composition editor (supplier namespace)."""

editor_urlpatterns: list = []
