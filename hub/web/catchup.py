"""Screens and phones catch up after any outage: the activities changed since what a client holds,
read from storage, and a `resync` hint to every socket once the broker is back.

A frame can be lost for good: one queued while the broker was down dies with its process, and one
resent before another process resubscribed reaches none of that process's sockets. Storage holds
every committed change, so a client re-reads what changed whenever its socket (re)opens and when
told `{"type": "resync"}`. The cursor is what the client holds, `kind:id:version,...`; the answer
carries only the activities newer than that (as a version guard would let them in), so an
unchanged meeting costs a few bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.activities import KINDS, activities_since
from hub.cache import Cache
from hub.clock import iso_ts
from hub.errors import bad_request
from hub.events import EVENTS, RESUBSCRIBE_WAIT, EventBus
from hub.keys import CACHE, DB
from hub.realtime.rooms import REALTIME, RealtimeHub
from hub.web.access import meeting_for

log = logging.getLogger(__name__)

# A URL line stays under aiohttp's 8 KiB limit; a meeting with more activities reads them all.
MAX_CURSOR_ITEMS = 400
_ITEM = re.compile(r"([a-z][a-z0-9_]{0,30}):([0-9]{1,15}):([0-9]{1,15})")
_KIND_NAMES = frozenset(kind.name for kind in KINDS)
RESYNC_FRAME = {"type": "resync"}


def parse_cursor(raw: str) -> dict[tuple[str, int], int]:
    """`kind:id:version,...` (empty: nothing held) to the versions a client holds; 400 if bad."""
    known: dict[tuple[str, int], int] = {}
    if not raw:
        return known
    items = raw.split(",")
    if len(items) > MAX_CURSOR_ITEMS:
        raise bad_request(f"'since' lists at most {MAX_CURSOR_ITEMS} activities", "bad_cursor")
    for item in items:
        match = _ITEM.fullmatch(item)
        if match is None or match.group(1) not in _KIND_NAMES:
            raise bad_request("'since' must list kind:id:version items", "bad_cursor")
        known[(match.group(1), int(match.group(2)))] = int(match.group(3))
    return known


def format_cursor(versions: dict[tuple[str, int], int]) -> str:
    """The cursor of these versions (sorted, so equal states give equal cursors)."""
    return ",".join(f"{kind}:{aid}:{version}" for (kind, aid), version in sorted(versions.items()))


async def activities_changed(request: web.Request) -> web.Response:
    """GET /api/meetings/{number}/activities[?since=CURSOR]: attendees, ended meetings too.

    `{"activities": {plural: [changed]}, "cursor", "ended_at"}`: without `since`, every activity.
    """
    known = parse_cursor(request.query.get("since", "").strip())
    meeting, user = await meeting_for(request)
    changed, versions = await activities_since(request.app[DB], meeting.id, user.id, known)
    body: dict[str, Any] = {
        "activities": changed,
        "cursor": format_cursor(versions),
        "ended_at": iso_ts(meeting.ended_at),
    }
    return web.json_response(body)


class Resync:
    """After a broker reconnect, tells every meeting with sockets here to catch up.

    The hint goes through the bus once this process's subscriptions are live again, so it
    reaches this process's sockets too, after any frame the bus had queued.
    """

    def __init__(self, cache: Cache, events: EventBus, realtime: RealtimeHub) -> None:
        self.cache = cache
        self.events = events
        self.realtime = realtime
        self._tasks: set[asyncio.Task[None]] = set()

    async def on_reconnect(self) -> None:
        """The cache's reconnect callback: it runs inside the subscriber's read loop, which must
        go on reading (the confirmations we wait for arrive there), so the hint is a task."""
        task = asyncio.create_task(self.hint(), name="activities-resync")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def hint(self) -> None:
        """Publish `resync` to every meeting that has sockets on this process."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RESUBSCRIBE_WAIT):
                await self.cache.subscriber_ready()
        meetings = list(self.realtime.rooms)
        for meeting_id in meetings:
            await self.events.meeting(meeting_id, RESYNC_FRAME)
        log.info("told %d meetings' sockets to catch up after the broker came back", len(meetings))

    async def close(self) -> None:
        """Stop hints in flight (shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def resync_ctx(app: web.Application) -> AsyncIterator[None]:
    """Hint sockets to catch up after every broker reconnect, for the life of the app."""
    resync = Resync(app[CACHE], app[EVENTS], app[REALTIME])
    app[CACHE].on_reconnect(resync.on_reconnect)
    yield
    await resync.close()


def setup_catchup(app: web.Application) -> None:
    """The catch-up route and the reconnect hint (after the realtime rooms exist)."""
    app.cleanup_ctx.append(resync_ctx)
    app.router.add_get(
        "/api/meetings/{number}/activities", activities_changed, name="meeting_activities"
    )
