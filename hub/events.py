"""The event bus: every frame for websocket clients and dashboards goes out through here.

One failure policy for all of them: a publish never raises. While the broker is down, frames
wait in one queue, in order, and are resent when it answers again, so a request whose change is
committed is never answered with an error because a frame could not go out. The queue is
bounded in length and in age; what falls off is counted (and shows in /metrics).

On the wire each frame carries a small fixed envelope before its JSON: the frame type, the
meeting, the chat seq and whether the frame closes the room. Delivery reads those from the
envelope and never parses or pattern-matches the JSON, which is serialized once, here.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from hub.cache import Cache

log = logging.getLogger(__name__)

LIVE_CHANNEL = "live"
# A frame waits this long for the broker at most: past it, clients re-read state on reconnect.
RETRY_FOR = 300.0
MAX_QUEUED = 10_000
# After an outage, how long a resend waits for this process's subscriptions to be live again.
RESUBSCRIBE_WAIT = 10.0
_MAGIC = "hub1"

Json = dict[str, Any]


def meeting_channel(meeting_id: int) -> str:
    """The broker channel of one meeting (by id: numbers are reused after a meeting ends)."""
    return f"meeting:{meeting_id}"


def dumps(frame: Json) -> str:
    """Serialize a frame once, compactly, keeping Chinese text readable."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Envelope:
    """A serialized frame and what delivery needs to know about it without reading it."""

    type: str
    meeting: int
    seq: int  # the chat seq, 0 for frames that are not chat messages
    closes: bool  # the room closes after delivering it (the meeting ended)
    text: str

    def wire(self) -> str:
        """The broker message: `hub1 TYPE MEETING SEQ CLOSES` on the first line, then the JSON."""
        return f"{_MAGIC} {self.type} {self.meeting} {self.seq} {int(self.closes)}\n{self.text}"

    @classmethod
    def parse(cls, wire: str) -> Envelope:
        """Read a broker message; one without an envelope is taken as a plain frame."""
        head, sep, text = wire.partition("\n")
        parts = head.split(" ")
        if sep and len(parts) == 5 and parts[0] == _MAGIC:
            try:
                return cls(parts[1], int(parts[2]), int(parts[3]), parts[4] == "1", text)
            except ValueError:
                pass
        return cls("", 0, 0, False, wire)

    @classmethod
    def of(cls, frame: Json, *, meeting: int = 0, seq: int = 0, closes: bool = False) -> Envelope:
        """Serialize `frame` (once) into an envelope."""
        return cls(str(frame.get("type", "")), meeting, seq, closes, dumps(frame))


class EventBus:
    """Publishes envelopes on the cache's broker; see the module docstring."""

    def __init__(
        self, cache: Cache, *, retry_for: float = RETRY_FOR, max_queued: int = MAX_QUEUED
    ) -> None:
        self.cache = cache
        self.retry_for = retry_for
        self.max_queued = max_queued
        # Counters /metrics reads (plain ints: one event loop, no lock).
        self.published = 0
        self.deferred = 0
        self.dropped = 0
        self._queue: collections.deque[tuple[str, str, float]] = collections.deque()
        self._resender: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def queued(self) -> int:
        """Frames waiting for the broker now."""
        return len(self._queue)

    async def publish(self, channel: str, envelope: Envelope) -> bool:
        """Send to every subscriber on every process; False when queued for later. Never raises."""
        wire = envelope.wire()
        if not self._queue:
            try:
                await self.cache.publish(channel, wire)
            except Exception as exc:
                log.warning("broker publish failed (%s); queued for resend", exc)
            else:
                self.published += 1
                return True
        # Behind a queue nothing may overtake it: frames of one channel keep their order.
        self._enqueue(channel, wire)
        return False

    async def meeting(
        self, meeting_id: int, frame: Json, *, seq: int = 0, closes: bool = False
    ) -> bool:
        """A frame to every websocket client of the meeting."""
        envelope = Envelope.of(frame, meeting=meeting_id, seq=seq, closes=closes)
        return await self.publish(meeting_channel(meeting_id), envelope)

    async def activity(
        self, meeting_id: int, kind: str, event: str, data: Json, *, closes: bool = False
    ) -> bool:
        """An `activity` frame: `{"type": "activity", "kind", "event", "data"}`."""
        frame = {"type": "activity", "kind": kind, "event": event, "data": data}
        return await self.meeting(meeting_id, frame, closes=closes)

    async def live(self, payload: Json) -> bool:
        """Tell open dashboards the live mirror changed (a sync committed, a room was pinned)."""
        return await self.publish(LIVE_CHANNEL, Envelope.of({"type": "live", **payload}))

    def _enqueue(self, channel: str, wire: str) -> None:
        if len(self._queue) >= self.max_queued:
            self._queue.popleft()
            self.dropped += 1
        loop = asyncio.get_running_loop()
        self._queue.append((channel, wire, loop.time() + self.retry_for))
        self.deferred += 1
        if not self._closed and (self._resender is None or self._resender.done()):
            self._resender = asyncio.create_task(self._resend(), name="events-resend")

    async def _resend(self) -> None:
        """Publish what waits, in order, once the broker answers again."""
        loop = asyncio.get_running_loop()
        delay = 0.05
        while self._queue:
            channel, wire, deadline = self._queue[0]
            if loop.time() > deadline:
                self._queue.popleft()
                self.dropped += 1
                continue
            try:
                # A frame published before our own rooms have resubscribed would reach none
                # of them: the broker keeps no messages for absent subscribers.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RESUBSCRIBE_WAIT):
                        await self.cache.subscriber_ready()
                await self.cache.publish(channel, wire)
            except Exception:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            self._queue.popleft()
            self.published += 1
            delay = 0.05
        log.info("broker is back: every queued frame was resent")

    async def close(self) -> None:
        """Stop resending (shutdown); what still waits is dropped and counted."""
        self._closed = True
        if self._resender is not None:
            self._resender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resender
        if self._queue:
            log.warning("shutting down with %d frames the broker never took", len(self._queue))
            self.dropped += len(self._queue)
            self._queue.clear()


EVENTS = web.AppKey("events", EventBus)
