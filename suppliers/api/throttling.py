"""Requests per API key (or per user for browser sessions), counted in the shared cache (Redis when
REDIS_URL is set) so every gunicorn worker sees the same count. DRF answers 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from suppliers.api.authentication import api_key_of


class PerKeyThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = api_key_of(request)
        if key is not None:
            ident = f"key:{key.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
