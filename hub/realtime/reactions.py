"""Reactions (👍 ❤️ 😂 👏 🎉 😮): rate-limited per person, merged per meeting into a few frames.

A `{"type": "reaction", "emoji"}` frame in is counted, not forwarded. Each process keeps, per
meeting, the counts since its last frame; a short timer adds them to the meeting's totals in the
cache (atomic increments: exact across processes) and sends one
`{"type": "reactions", "counts", "totals"}` frame through the event bus. A cache lock per meeting,
held for the flush interval, lets one frame out per interval whichever process sends it, so a
watcher gets at most 1 / HUB_REACTION_FLUSH frames a second however many tap and however many
processes serve them; a process that lost the turn keeps its counts for its next frame.

Each person may send HUB_REACTIONS_PER_SECOND (5) reactions a second on a process (a token bucket
with that burst); the excess is dropped, with one error frame until they slow down. The interval
is HUB_REACTION_FLUSH (0.3 s).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.cache import Cache
from hub.events import EVENTS, EventBus
from hub.keys import CACHE, SETTINGS
from hub.realtime.chat import FrameError
from hub.realtime.rooms import Client

log = logging.getLogger(__name__)

EMOJIS = ("👍", "❤️", "😂", "👏", "🎉", "😮")
TOTALS_TTL = 3 * 24 * 3600.0
# A person's bucket is forgotten after this long without a reaction (the map stays small).
IDLE_BUCKET = 10.0


def totals_key(meeting_id: int, emoji: str) -> str:
    """The cache counter of one emoji in one meeting, since the meeting started."""
    return f"reactions:{meeting_id}:{emoji}"


class _Bucket:
    __slots__ = ("stamp", "tokens", "warned")

    def __init__(self, now: float, tokens: float) -> None:
        self.tokens = tokens
        self.stamp = now
        self.warned = False


class Reactions:
    """This process's reaction counts per meeting and the timer that sends them; see above."""

    def __init__(
        self,
        cache: Cache,
        events: EventBus,
        *,
        flush_every: float,
        per_second: float,
    ) -> None:
        self.cache = cache
        self.events = events
        self.flush_every = flush_every
        self.per_second = per_second
        self._pending: dict[int, collections.Counter[str]] = {}
        self._unsent: dict[int, collections.Counter[str]] = {}
        self._buckets: dict[tuple[int, int], _Bucket] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._closed = False
        self.accepted = 0
        self.dropped = 0
        self.frames = 0

    def add(self, meeting_id: int, user_id: int, emoji: str) -> None:
        """Count one reaction; FrameError for an unknown emoji, and once per burst when the
        person sends too many (the excess is dropped quietly after that)."""
        if emoji not in EMOJIS:
            raise FrameError("bad_emoji", "this reaction is not offered")
        now = time.monotonic()
        bucket = self._buckets.get((meeting_id, user_id))
        if bucket is None:
            bucket = self._buckets[(meeting_id, user_id)] = _Bucket(now, self.per_second)
        rate = self.per_second
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            self.dropped += 1
            if not bucket.warned:
                bucket.warned = True
                message = f"at most {rate:g} reactions a second"
                raise FrameError("reaction_rate_limited", message)
            return
        bucket.tokens -= 1
        bucket.warned = False
        self.accepted += 1
        self._pending.setdefault(meeting_id, collections.Counter())[emoji] += 1
        if meeting_id not in self._tasks and not self._closed:
            task = asyncio.create_task(self._flusher(meeting_id), name="reactions-flush")
            self._tasks[meeting_id] = task

    async def _flusher(self, meeting_id: int) -> None:
        """Flush the meeting every interval until it has nothing left to send."""
        try:
            while True:
                await asyncio.sleep(self.flush_every)
                try:
                    await self.flush(meeting_id)
                except Exception:
                    log.warning("reactions of meeting %s: flush failed", meeting_id, exc_info=True)
                if not self._pending.get(meeting_id) and not self._unsent.get(meeting_id):
                    return
        finally:
            self._tasks.pop(meeting_id, None)
            for held in (self._pending, self._unsent):
                if not held.get(meeting_id):
                    held.pop(meeting_id, None)
            self._forget_idle()

    async def flush(self, meeting_id: int) -> bool:
        """Add what arrived to the totals, then send a frame if it is this process's turn."""
        pending = self._pending.get(meeting_id)
        unsent = self._unsent.setdefault(meeting_id, collections.Counter())
        totals: dict[str, int] = {}
        while pending:
            emoji, n = pending.popitem()
            try:
                totals[emoji] = await self.cache.incr(totals_key(meeting_id, emoji), n, TOTALS_TTL)
            except Exception:
                pending[emoji] += n  # counted next round: never lost, never twice
                raise
            unsent[emoji] += n
        if not unsent:
            return False
        if await self.cache.acquire_lock(f"reactions-frame:{meeting_id}", self.flush_every) is None:
            return False  # a frame went out less than an interval ago: ours waits its turn
        for emoji in EMOJIS:
            if emoji not in totals:
                totals[emoji] = int(await self.cache.get(totals_key(meeting_id, emoji)) or 0)
        counts = dict(unsent)
        unsent.clear()
        frame = {"type": "reactions", "counts": counts, "totals": totals}
        await self.events.meeting(meeting_id, frame)
        self.frames += 1
        return True

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for key in [k for k, b in self._buckets.items() if now - b.stamp > IDLE_BUCKET]:
            del self._buckets[key]

    async def totals(self, meeting_id: int) -> dict[str, int]:
        """Every emoji's count since the meeting started (from the cache)."""
        return {
            emoji: int(await self.cache.get(totals_key(meeting_id, emoji)) or 0) for emoji in EMOJIS
        }

    async def close(self) -> None:
        """Stop the timers (shutdown); what is not flushed yet is dropped."""
        self._closed = True
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task


REACTIONS = web.AppKey("reactions", Reactions)


async def reactions_ctx(app: web.Application) -> AsyncIterator[None]:
    """This process's reaction merger, from start-up to shutdown."""
    settings = app[SETTINGS]
    reactions = Reactions(
        app[CACHE],
        app[EVENTS],
        flush_every=settings.reaction_flush,
        per_second=settings.reactions_per_second,
    )
    app[REACTIONS] = reactions
    yield
    await reactions.close()


async def on_reaction(app: web.Application, client: Client, frame: dict[str, Any]) -> None:
    """The `reaction` frame of the meeting socket: counted, merged, never echoed."""
    emoji = frame.get("emoji")
    if not isinstance(emoji, str):
        raise FrameError("bad_emoji", "emoji must be a string")
    app[REACTIONS].add(client.meeting_id, client.user_id, emoji)
