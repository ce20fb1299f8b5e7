"""A budget of uses per window, counted in the cache (across processes with Redis)."""

from __future__ import annotations

import math

from hub.cache.base import Cache


async def spend(cache: Cache, key: str, budget: int, window: float) -> int | None:
    """Count one use of `key`'s budget; None while within it, else the whole seconds (at least
    1) until its window ends.

    The window starts at the key's first use (the key expires with it), so no clock-aligned
    turn lets twice the budget through in a second. The count is one atomic increment: under
    any concurrency exactly `budget` uses pass. CacheUnavailable propagates; callers decide
    whether to fail open.
    """
    if await cache.incr(key, 1, ttl=window) <= budget:
        return None
    left = await cache.ttl(key)
    return max(1, math.ceil(left if left is not None else window))
