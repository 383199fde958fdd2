"""REST API endpoints of the chemicals app (see suppliers/api for the shared building blocks)."""

from rest_framework.routers import SimpleRouter

from chemicals.api.views import DeclarationViewSet, ImpactReportViewSet, ProductViewSet, RegulatedListViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")
router.register("declarations", DeclarationViewSet, basename="declaration")
router.register("lists", RegulatedListViewSet, basename="list")
router.register("impact-reports", ImpactReportViewSet, basename="impact-report")

urlpatterns: list = [*router.urls]
