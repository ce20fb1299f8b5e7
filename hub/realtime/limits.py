"""Limits on what clients send: a token bucket per connection, a chat budget per user."""

from __future__ import annotations

import time

from hub.cache import Cache, CacheUnavailable

RATE = 10.0
BURST = 20.0
# Frames refused in a row before the connection is closed (1008): one burst's worth.
MAX_STRIKES = 20


class TokenBucket:
    """`rate` frames per second on average, `burst` at once."""

    __slots__ = ("burst", "rate", "stamp", "strikes", "tokens")

    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.strikes = 0

    def take(self) -> bool:
        """Spend one token; False (and one more strike) when none is left."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.strikes = 0
            return True
        self.strikes += 1
        return False

    @property
    def flooding(self) -> bool:
        """True once the client kept sending past the limit."""
        return self.strikes >= MAX_STRIKES


class UserChatLimit:
    """Chat messages per user and meeting in a fixed window, counted in the cache (F8).

    The per-connection bucket stops one socket's flood of any frame; this one caps a user's
    chat across all their sockets and, with Redis, all processes. Fails open when the cache is
    down: the buckets still hold, and chat keeps working.
    """

    def __init__(self, cache: Cache, per_window: int, window: float) -> None:
        self.cache = cache
        self.per_window = per_window
        self.window = window

    async def allow(self, meeting_id: int, user_id: int) -> bool:
        """Count one message; False when the user is past their budget for this window."""
        try:
            count = await self.cache.incr(
                f"throttle:chat:{meeting_id}:{user_id}", 1, ttl=self.window
            )
        except CacheUnavailable:
            return True
        return count <= self.per_window
