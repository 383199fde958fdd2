from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from procurement_portal.health import health_report


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    report, status = health_report()
    return JsonResponse(report, status=status)
