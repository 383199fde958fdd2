"""The Redis cache backend that shares one client per connection pool (procurement_portal/redis_cache.py)
against the real Redis of REDIS_URL (CI sets it)."""

from __future__ import annotations

import os
import threading

import pytest

from procurement_portal.redis_cache import SharedClientRedisCache

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs a real Redis (REDIS_URL)")


def test_one_client_serves_every_operation_and_threads():
    cache = SharedClientRedisCache(REDIS_URL, {"KEY_PREFIX": "test-shared-client"})
    # Never clear(): that flushes the whole Redis database, which the Celery broker shares in CI.
    cache.delete_many(["n", "d"])
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client and cache._cache.get_client() is client
    assert cache.add("n", 1, 30) and not cache.add("n", 5, 30)
    assert cache.incr("n") == 2 and cache.get("n") == 2
    cache.set("d", {"a": [1, 2]}, 30)
    assert cache.get("d") == {"a": [1, 2]}

    def bump() -> None:
        for _ in range(50):
            cache.incr("n")

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("n") == 202  # atomic increments through the shared client
    cache.delete_many(["n", "d"])
