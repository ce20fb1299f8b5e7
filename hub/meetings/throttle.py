"""Throttling refused meeting lookups per user and per client IP, in the cache (F2).

Every refusal of a meeting number (unknown, ended, not open to the asker, a missing or wrong
passcode) counts as a miss. Past the budget of a window the asker gets 429 on every lookup and
join until the window ends, so a scan learns nothing more. Counting only misses leaves people
who open their own meetings alone. With Redis the counts hold across processes.
"""

from __future__ import annotations

import logging
import math

from hub.cache import Cache, CacheUnavailable, spend
from hub.meetings.limits import MeetingLimits

log = logging.getLogger(__name__)


class LookupThrottle:
    """Fixed-window miss counters (`throttle:meeting:*` keys that expire with their window)."""

    def __init__(self, cache: Cache, limits: MeetingLimits) -> None:
        self.cache = cache
        self.limits = limits

    def _budgets(self, user_id: int, ip: str | None) -> list[tuple[str, int]]:
        budgets = [(f"throttle:meeting:user:{user_id}", self.limits.misses_per_user)]
        if ip:
            budgets.append((f"throttle:meeting:ip:{ip}", self.limits.misses_per_ip))
        return budgets

    async def retry_after(self, user_id: int, ip: str | None) -> int | None:
        """Whole seconds until this user and IP may look up again; None when they may now."""
        wait = 0.0
        try:
            for key, budget in self._budgets(user_id, ip):
                count = await self.cache.get(key)
                if count is not None and int(count) >= budget:
                    left = await self.cache.ttl(key)
                    wait = max(wait, left if left is not None else self.limits.miss_window)
        except CacheUnavailable:
            # Joins must keep working while the cache is down: fail open, as the bus does.
            log.warning("meeting lookup throttle skipped: the cache is unavailable")
            return None
        return max(1, math.ceil(wait)) if wait > 0 else None

    async def miss(self, user_id: int, ip: str | None) -> int | None:
        """Count one refused lookup; the seconds to wait when it went past a budget.

        The user's count comes first and the IP's only while the user is within theirs, so
        one user's blocked scan does not use up their colleagues' shared address. Counts are
        atomic increments: under any concurrency exactly `budget` refusals are answered 404.
        """
        try:
            for key, budget in self._budgets(user_id, ip):
                wait = await spend(self.cache, key, budget, self.limits.miss_window)
                if wait is not None:
                    return wait
        except CacheUnavailable:
            log.warning("a refused meeting lookup was not counted: the cache is unavailable")
        return None
