"""The getliveinfo budget: a shared per-Beijing-day counter, the 45009 halt, interval planning."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from hub.cache import Cache
from hub.clock import Clock

Kind = Literal["list", "replay"]
PAGE_SIZE = 100
HOUR = 3600.0
# Counters outlive their day a little, so yesterday's figures stay readable around midnight.
COUNTER_TTL = 2 * 86400.0
HALT_KEY = "live:halted"


def pages_for(total: int) -> int:
    """List calls needed to page through `total` rooms (at least one, to learn the total)."""
    return max(1, math.ceil(total / PAGE_SIZE))


def plan_interval(*, base: float, left: int, calls_per_sync: int, seconds_left: float) -> float:
    """Seconds until the next sync, so the calls left last until the Beijing day ends.

    Never shorter than `base`; never longer than an hour while the budget still affords a full
    listing every hour; until the next day when not even one listing fits.
    """
    calls_per_sync = max(1, calls_per_sync)
    if left < calls_per_sync:
        return seconds_left + 1.0
    stretched = seconds_left * calls_per_sync / left
    interval = max(base, stretched)
    if left >= calls_per_sync * math.ceil(seconds_left / HOUR):
        # An hourly listing fits for the rest of the day: never leave the mirror older than that.
        interval = min(interval, HOUR)
    return interval


def replay_allowance(*, left: int, pages: int, seconds_left: float) -> int:
    """Replay calls this run may spend, keeping enough for hourly listings for the rest of the day.

    When hourly listings do not fit anyway, replays get a tenth of what is left beyond one listing.
    """
    reserve = pages * math.ceil(seconds_left / HOUR)
    if left - reserve > 0:
        return left - reserve
    return max(0, (left - pages) // 10)


@dataclass(frozen=True)
class QuotaUsage:
    """The budget of the current Beijing day."""

    date: str
    budget: int
    used: int
    list_calls: int
    replay_calls: int
    halted: bool
    resets_at: float

    @property
    def left(self) -> int:
        """Calls left today (zero while halted by 45009)."""
        return 0 if self.halted else max(0, self.budget - self.used)

    def as_json(self) -> dict[str, Any]:
        """For the admin status page."""
        return {
            "date": self.date,
            "budget": self.budget,
            "used": self.used,
            "left": self.left,
            "list_calls": self.list_calls,
            "replay_calls": self.replay_calls,
            "halted": self.halted,
            "resets_at": self.resets_at,
        }


class Quota:
    """Counts getliveinfo calls per Beijing day in the shared cache, across every process."""

    def __init__(self, cache: Cache, clock: Clock, budget: int) -> None:
        self.cache = cache
        self.clock = clock
        self.budget = budget

    def _key(self, day: str, part: str) -> str:
        return f"live:quota:{day}:{part}"

    def _today(self) -> str:
        return self.clock.beijing_date().isoformat()

    async def usage(self) -> QuotaUsage:
        """Today's counters and whether 45009 halted calls."""
        day = self._today()
        used, lists, replays = [
            int(await self.cache.get(self._key(day, part)) or 0)
            for part in ("total", "list", "replay")
        ]
        return QuotaUsage(
            date=day,
            budget=self.budget,
            used=used,
            list_calls=lists,
            replay_calls=replays,
            halted=await self.halted(),
            resets_at=self.clock.time() + self.clock.seconds_to_beijing_midnight(),
        )

    async def reserve(self, kind: Kind) -> bool:
        """Take one call from today's budget before sending it; False when none is left."""
        if await self.halted():
            return False
        day = self._today()
        total = await self.cache.incr(self._key(day, "total"), 1, ttl=COUNTER_TTL)
        if total > self.budget:
            await self.cache.incr(self._key(day, "total"), -1, ttl=COUNTER_TTL)
            return False
        await self.cache.incr(self._key(day, kind), 1, ttl=COUNTER_TTL)
        return True

    async def settle(self, kind: Kind, sent: int) -> None:
        """Correct one reservation by the requests the client really sent (retries, or none)."""
        extra = sent - 1
        if extra:
            day = self._today()
            await self.cache.incr(self._key(day, "total"), extra, ttl=COUNTER_TTL)
            await self.cache.incr(self._key(day, kind), extra, ttl=COUNTER_TTL)

    async def halt(self) -> None:
        """WeChat answered 45009: no call until the next Beijing day, in every process."""
        ttl = self.clock.seconds_to_beijing_midnight() + 60.0
        await self.cache.set(HALT_KEY, self._today(), ttl=ttl)

    async def halted(self) -> bool:
        """True while today's calls are halted (the stored day, not only the TTL, decides)."""
        return await self.cache.get(HALT_KEY) == self._today()
