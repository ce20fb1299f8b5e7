"""Meeting activity and the idle ender: a live meeting nobody used for a day is ended (F3).

Activity is a join, a chat message or an activity change (creating, voting, claiming, ...).
It is kept cheaply: each process writes a meeting's last activity time to the cache at most
once a minute (never the database on a hot path), and the database's `last_activity_at` is
only brought up to date by the ender for meetings that look idle there. Every process may run
the ender; the conditional end in the database lets exactly one of them end each meeting and
send its `ended` frame through the bus.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from hub.cache import Cache, CacheUnavailable
from hub.clock import Clock
from hub.events import EventBus
from hub.meetings.limits import POOL_WARNING, MeetingLimits
from hub.metrics import Metrics
from hub.storage import Database
from hub.storage.meetings import (
    NUMBER_SPACE,
    Meeting,
    count_all_open,
    end_meeting_locked,
    get_meeting,
    idle_meeting_ids,
    touch_meeting,
)

log = logging.getLogger(__name__)

# A process writes a meeting's activity to the cache at most this often.
TOUCH_EVERY = 60.0
# Meetings the ender looks at per round; the next round takes the rest.
BATCH = 200
# Past this many remembered meetings the per-process touch memory is cleared.
TOUCH_MEMORY = 50_000


def _key(meeting_id: int) -> str:
    return f"meeting-activity:{meeting_id}"


class ActivityTracker:
    """Remembers that a meeting was used; never raises (activity is a hint, not a write)."""

    def __init__(self, cache: Cache, clock: Clock, limits: MeetingLimits) -> None:
        self.cache = cache
        self.clock = clock
        self.limits = limits
        self._last: dict[int, float] = {}

    async def touch(self, meeting_id: int) -> None:
        """Record activity in the meeting now (at most once a minute per process)."""
        now = self.clock.time()
        if now - self._last.get(meeting_id, -TOUCH_EVERY) < TOUCH_EVERY:
            return
        if len(self._last) >= TOUCH_MEMORY:
            self._last.clear()
        self._last[meeting_id] = now
        try:
            await self.cache.set(_key(meeting_id), repr(now), ttl=self.limits.idle_after)
        except CacheUnavailable:
            log.debug("meeting %s activity not recorded: the cache is unavailable", meeting_id)

    async def last_seen(self, meeting_id: int) -> float | None:
        """The last activity any process recorded in the cache (None: none within the TTL)."""
        raw = await self.cache.get(_key(meeting_id))
        return float(raw) if raw is not None else None


class IdleEnder:
    """One round ends the meetings idle past `limits.idle_after`; also watches the pool."""

    def __init__(
        self,
        db: Database,
        events: EventBus,
        clock: Clock,
        tracker: ActivityTracker,
        limits: MeetingLimits,
        metrics: Metrics | None,
        summary: Callable[[Meeting], Awaitable[dict[str, Any]]],
    ) -> None:
        self.db = db
        self.events = events
        self.clock = clock
        self.tracker = tracker
        self.limits = limits
        self.metrics = metrics
        self.summary = summary
        self.ended = 0

    async def step(self) -> float:
        """One round: end idle meetings, then update the pool gauge; the delay to the next."""
        await self.end_idle()
        await self.watch_pool()
        return self.limits.idle_check_every

    async def end_idle(self) -> int:
        """End every meeting idle since before now - idle_after; how many this process ended."""
        before = self.clock.time() - self.limits.idle_after
        ended = 0
        for meeting_id in await idle_meeting_ids(self.db, before, BATCH):
            try:
                seen = await self.tracker.last_seen(meeting_id)
            except CacheUnavailable:
                log.warning("idle meetings not ended this round: the cache is unavailable")
                break
            if seen is not None and seen >= before:
                # Used lately on some process: bring the database's hint up to date.
                await touch_meeting(self.db, meeting_id, seen, 0.0)
                continue
            if await self.end_one(meeting_id, before):
                ended += 1
        self.ended += ended
        return ended

    async def end_one(self, meeting_id: int, before: float) -> bool:
        """End one idle meeting unless another process (or its organizer) did it first."""
        ended_at = await end_meeting_locked(
            self.db, meeting_id, self.clock.time, idle_before=before
        )
        if ended_at is None:
            return False
        meeting = await get_meeting(self.db, meeting_id)
        if meeting is None:  # pragma: no cover - meetings are never deleted
            return False
        # The same frame as an organizer's end, so every client closes the room alike.
        data = await self.summary(meeting)
        data["ended_by"] = "idle"
        await self.events.activity(meeting_id, "meeting", "ended", data, closes=True)
        log.info(
            "meeting %s ended after %.0f s without activity", meeting.number, self.limits.idle_after
        )
        return True

    async def watch_pool(self) -> int:
        """Count open meetings for the gauge; warn when the number pool is nearly used up."""
        open_now = await count_all_open(self.db)
        if self.metrics is not None:
            self.metrics.set_meeting_pool(open_now, NUMBER_SPACE)
        if open_now >= POOL_WARNING * NUMBER_SPACE:
            log.warning(
                "%d of %d meeting numbers are in use (%.0f%%): new meetings may soon be refused",
                open_now,
                NUMBER_SPACE,
                100.0 * open_now / NUMBER_SPACE,
            )
        return open_now


MEETING_ACTIVITY = web.AppKey("meeting_activity", ActivityTracker)
IDLE_ENDER = web.AppKey("idle_ender", IdleEnder)
