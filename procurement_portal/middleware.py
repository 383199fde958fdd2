"""Project-wide middleware."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.http import ConditionalGetMiddleware


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """ETag on every API read, and 304 Not Modified when If-None-Match matches, so an ERP polling a
    large list it already has gets no body. Pages (whose HTML carries a per-request CSRF token) are
    left alone."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not request.path.startswith("/api/v1/"):
            return response
        return super().process_response(request, response)
