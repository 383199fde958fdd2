"""Requests per API key (or per user for browser sessions), counted in the shared cache (Redis when
REDIS_URL is set) so every gunicorn worker sees the same count. DRF answers 429 with Retry-After.

A fixed window with one counter per key and window (cache add / incr: a few bytes, atomic in Redis),
not DRF's sliding log: the log keeps one timestamp per request in the window and reads and writes all of
them on every call, ~10 KB a request at 1,200/min and worse with a higher limit. A fixed window can let
up to twice the rate through across a window boundary, which is acceptable for a fairness limit."""

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

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{ident}:{window}"
        # The counter outlives its window by a little, so that incr never meets an expired key.
        if self.cache.add(key, 1, self.duration + 5):
            count = 1
        else:
            try:
                count = self.cache.incr(key)
            except ValueError:  # evicted between add and incr
                self.cache.add(key, 1, self.duration + 5)
                count = 1
        self.wait_seconds = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(self.wait_seconds, 1.0)
