"""/api/v1/: every app contributes its endpoints; the schema and the docs are served from here."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from chemicals.api import urls as chemicals_api
from compliance.api import urls as compliance_api
from suppliers.api import urls as suppliers_api
from surveys.api import urls as surveys_api

api_v1_patterns = [
    *suppliers_api.urlpatterns,
    *chemicals_api.urlpatterns,
    *surveys_api.urlpatterns,
    *compliance_api.urlpatterns,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

docs_patterns = [
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="api_docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="api_redoc"),
]
