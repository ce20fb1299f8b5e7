"""The timer loop: runs due timed actions (an activity's close, a quiz question's reveal) once.

Each process runs one loop. A due timer is claimed with a conditional UPDATE (see
hub.storage.activity_timers), so one process runs it; the action is the kind's own organizer
action, run as the organizer, and its frame goes out through the activity publisher. A timer whose
action is refused (closed by hand before, or the meeting ended) is done without a frame. The loop
reads the database only when a timer may be due: a cache counter bumped by every schedule tells it
when to look again, and timers left from before a restart are found by its first round.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.activities import KINDS
from hub.activities.frames import publish_state
from hub.activities.kind import DONE, ActionContext, ActivityKind
from hub.activities.publisher import ACTIVITIES, ActivityPublisher
from hub.activities.timers import GENERATION_KEY
from hub.background import periodic
from hub.cache import Cache
from hub.clock import Clock
from hub.errors import HubError
from hub.events import EVENTS, EventBus
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.storage import activity_timers
from hub.storage.activity_timers import DueTimer
from hub.storage.database import Database
from hub.storage.users import get_user

log = logging.getLogger(__name__)


class TimerLoop:
    """One process's runner of due timers; `step()` is one round (tests may call it)."""

    def __init__(
        self,
        db: Database,
        cache: Cache,
        clock: Clock,
        publisher: ActivityPublisher,
        events: EventBus,
    ) -> None:
        self.db = db
        self.cache = cache
        self.clock = clock
        self.publisher = publisher
        self.events = events
        self.kinds: dict[str, ActivityKind[Any, Any]] = {k.name: k for k in KINDS}
        self._seen: str | None = None
        self._next_due: float | None = None
        self._looked = False
        self.ran = 0  # timed actions this process ran (tests and /metrics may read it)

    async def _worth_a_look(self, now: float) -> bool:
        try:
            generation = await self.cache.get(GENERATION_KEY) or "0"
        except Exception:
            return True  # without the cache, ask the database every round
        if not self._looked or generation != self._seen:
            self._seen = generation
            return True
        return self._next_due is not None and self._next_due <= now

    async def step(self) -> None:
        """Run what is due now (claimed by this process) and note when to look next."""
        now = self.clock.time()
        if not await self._worth_a_look(now):
            return
        for timer in await activity_timers.claim_due(self.db, now):
            try:
                await self._run(timer)
            except Exception:
                log.exception(
                    "timed %s of %s %s failed", timer.action, timer.kind, timer.activity_id
                )
                continue  # the lease runs out and a loop tries again
            await activity_timers.finish(self.db, timer)
        self._next_due = await activity_timers.next_due(self.db)
        self._looked = True

    async def _run(self, timer: DueTimer) -> None:
        kind = self.kinds.get(timer.kind)
        action = kind.actions.get(timer.action) if kind else None
        if kind is None or action is None:
            log.warning("a timer names %s.%s, which is not registered", timer.kind, timer.action)
            return
        try:
            activity, meeting = await kind.locate(self.db, timer.activity_id)
        except HubError:
            return
        if action.live and not meeting.active:
            return  # the meeting ended first: as for the organizer, nothing more happens in it
        organizer = await get_user(self.db, meeting.organizer_id)
        if organizer is None:  # pragma: no cover - users are never deleted
            return
        ctx = ActionContext(self.db, meeting, organizer, {}, self.clock.time(), self.cache)
        try:
            outcome = await action.run(ctx, activity) or DONE
        except HubError as exc:
            # Closed by hand before, or the meeting ended: nothing left to do.
            log.info("timed %s of %s %s: %s", action.name, kind.name, activity.id, exc.code)
            return
        self.ran += 1
        if outcome.changed:
            await publish_state(
                self.db,
                self.cache,
                self.publisher,
                self.events,
                kind,
                meeting,
                activity.id,
                action.event,
            )


TIMERS = web.AppKey("activity_timers", TimerLoop)


async def timer_loop_ctx(app: web.Application) -> AsyncIterator[None]:
    """This process's timer loop, from start-up (so timers left by a restart run) to shutdown."""
    loop = TimerLoop(app[DB], app[CACHE], app[CLOCK], app[ACTIVITIES], app[EVENTS])
    app[TIMERS] = loop
    async with periodic("activity-timers", loop.step, app[SETTINGS].timer_tick):
        yield
