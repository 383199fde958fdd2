"""Django's Redis cache, with one redis.Redis client per connection pool instead of one per call.

Django builds a new redis.Redis object for every cache operation; its constructor copies some 170
response callbacks, which cost more than the round trip itself on the pages and API calls that read the
cache a few times each (session, throttle counter). redis.Redis objects are safe to share between
threads: each command takes a connection from the pool."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
