from rest_framework.routers import SimpleRouter

from surveys.api.views import CampaignViewSet, SurveyResponseViewSet

router = SimpleRouter()
router.register("survey-responses", SurveyResponseViewSet, basename="survey-response")
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns: list = [*router.urls]
