"""Pushing activity frames after commit, in version order per activity, coalescing count bursts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from hub.events import EventBus

log = logging.getLogger(__name__)

# Count changes (a vote, a score, a claim) may be folded into a later frame that shows them.
COALESCED_EVENTS = frozenset({"updated", "claimed"})

Loader = Callable[[], Awaitable[tuple[int, dict[str, Any]] | None]]


@dataclass
class _Slot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    published_version: int = -1
    users: int = 0
    waiting: int = 0  # pushers queued for the lock that have not read the state yet


class ActivityPublisher:
    """Per activity, reads fresh state and publishes it under one lock, so this process sends
    an activity's frames with never-decreasing versions (and so counts never go backwards).

    Each frame's `data.version` rises with every committed change; clients of several
    processes drop a frame older than one they already applied.
    """

    def __init__(self) -> None:
        self._slots: dict[tuple[str, int], _Slot] = {}

    async def push(
        self,
        events: EventBus,
        meeting_id: int,
        kind: str,
        activity_id: int,
        event: str,
        load: Loader,
    ) -> None:
        """Publish `event` with the state `load` reads now; the bus never fails it (the change
        is committed: a frame the broker cannot take now is queued and resent)."""
        key = (kind, activity_id)
        slot = self._slots.setdefault(key, _Slot())
        if event in COALESCED_EVENTS and slot.waiting:
            # A queued pusher reads the state after taking the lock, so after this change
            # committed: its frame will show it.
            return
        slot.users += 1
        slot.waiting += 1
        reading = False
        try:
            async with slot.lock:
                slot.waiting -= 1
                reading = True
                state = await load()
                if state is None:
                    return
                version, data = state
                if event in COALESCED_EVENTS and version <= slot.published_version:
                    return  # a frame already sent shows this change
                slot.published_version = max(slot.published_version, version)
                await events.activity(meeting_id, kind, event, data)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not push %s %s %s", kind, activity_id, event, exc_info=True)
        finally:
            if not reading:
                slot.waiting -= 1
            slot.users -= 1
            if slot.users == 0:
                # Idle slots go, so the map stays small; a later push reads fresh state anyway.
                self._slots.pop(key, None)


ACTIVITIES = web.AppKey("activities", ActivityPublisher)
