from rest_framework.routers import SimpleRouter

from suppliers.api.views import SupplierViewSet

router = SimpleRouter()
router.register("suppliers", SupplierViewSet, basename="supplier")

urlpatterns = router.urls
