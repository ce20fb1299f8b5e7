"""An activity's state as frames and answers carry it: the kind's payload with `closes_at`."""

from __future__ import annotations

from typing import Any

from hub.activities.kind import ActivityKind, Json
from hub.activities.publisher import ActivityPublisher
from hub.activities.timers import with_deadline
from hub.cache import Cache
from hub.events import EventBus
from hub.storage.database import Executor
from hub.storage.meetings import Meeting

AnyKind = ActivityKind[Any, Any]


async def broadcast_form(
    ex: Executor, cache: Cache, kind: AnyKind, activity: Any, meeting: Meeting
) -> Json:
    """The payload every viewer gets (no per-viewer fields), with `closes_at`."""
    return await with_deadline(ex, cache, kind, await kind.payload(ex, activity, meeting))


async def publish_state(
    ex: Executor,
    cache: Cache,
    publisher: ActivityPublisher,
    events: EventBus,
    kind: AnyKind,
    meeting: Meeting,
    activity_id: int,
    event: str,
) -> tuple[Any, Json] | None:
    """Push `event` with the state read under the publisher's lock; returns what it read (the
    activity and its broadcast payload), or None when a later frame will show this change."""
    read: list[tuple[Any, Json]] = []

    async def load() -> tuple[int, Json] | None:
        activity = await kind.load(ex, activity_id)
        if activity is None:  # pragma: no cover - deleted meanwhile (an unused one may be)
            return None
        data = await broadcast_form(ex, cache, kind, activity, meeting)
        read.append((activity, data))
        return activity.version, data

    await publisher.push(events, meeting.id, kind.name, activity_id, event, load)
    return read[-1] if read else None
