from rest_framework.routers import SimpleRouter

from compliance.api.views import CertificateViewSet

router = SimpleRouter()
router.register("certificates", CertificateViewSet, basename="certificate")

urlpatterns: list = [*router.urls]
