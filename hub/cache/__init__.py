"""Cache and pub/sub broker: Redis when HUB_REDIS_URL is set, else in-process."""

from __future__ import annotations

from hub.cache.base import Cache, CacheUnavailable, Handler, Subscription
from hub.cache.budget import spend
from hub.cache.memory import MemoryCache

__all__ = [
    "Cache",
    "CacheUnavailable",
    "Handler",
    "MemoryCache",
    "Subscription",
    "open_cache",
    "spend",
]


async def open_cache(redis_url: str | None, prefix: str = "hub:") -> Cache:
    """Connect to Redis, or make an in-process cache when no URL is given."""
    if not redis_url:
        return MemoryCache(prefix)
    from hub.cache.redis import RedisCache

    return await RedisCache.open(redis_url, prefix)
