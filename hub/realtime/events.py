"""Publishing events to every process through the broker: meeting rooms and the live mirror."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from hub.keys import CACHE

LIVE_CHANNEL = "live"


def meeting_channel(meeting_id: int) -> str:
    """The broker channel of one meeting (by id: numbers are reused after a meeting ends)."""
    return f"meeting:{meeting_id}"


def dumps(frame: dict[str, Any]) -> str:
    """Serialize a frame once, compactly, keeping Chinese text readable."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


async def publish_meeting_frame(
    app: web.Application, meeting_id: int, frame: dict[str, Any]
) -> None:
    """Send a server frame to every websocket client of the meeting, on every process."""
    await app[CACHE].publish(meeting_channel(meeting_id), dumps(frame))


async def publish_activity(
    app: web.Application, meeting_id: int, kind: str, event: str, data: dict[str, Any]
) -> None:
    """An `activity` frame: kind poll|lottery|rating|redpacket|meeting, event created|updated|..."""
    frame = {"type": "activity", "kind": kind, "event": event, "data": data}
    await publish_meeting_frame(app, meeting_id, frame)


async def publish_live(app: web.Application, payload: dict[str, Any]) -> None:
    """Tell open dashboards the live mirror changed (a sync committed, a room was pinned)."""
    await app[CACHE].publish(LIVE_CHANNEL, dumps({"type": "live", **payload}))
