"""The idle ender: a live meeting nobody used for a day is ended (F3).

Activity is a join, a chat message, or an activity created or acted on (a vote, a score, a
claim, a draw): rows the database keeps anyway, with their times, so no hot path writes
anything more. The meeting's `last_activity_at` is a hint that picks the candidates: for a
meeting that looks idle by it, the ender reads the real last activity and either moves the
hint forward or ends the meeting. Every process may run the ender; the conditional end in the
database lets exactly one of them end each meeting and send its `ended` frame through the bus.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

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
    latest_activity,
    touch_meeting,
)

log = logging.getLogger(__name__)

# Meetings the ender looks at per round; the next round takes the rest.
BATCH = 200


class IdleEnder:
    """One round ends the meetings idle past `limits.idle_after`; also watches the pool."""

    def __init__(
        self,
        db: Database,
        events: EventBus,
        clock: Clock,
        limits: MeetingLimits,
        metrics: Metrics | None,
        summary: Callable[[Meeting], Awaitable[dict[str, Any]]],
    ) -> None:
        self.db = db
        self.events = events
        self.clock = clock
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
            seen = await latest_activity(self.db, meeting_id)
            if seen is not None and seen >= before:
                # Used lately: bring the hint up to date, look again a day after that.
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
            "meeting %s ended after %.0f s without activity",
            meeting.number,
            self.limits.idle_after,
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


IDLE_ENDER = web.AppKey("idle_ender", IdleEnder)
