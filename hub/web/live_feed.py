"""GET /ws/live: pushes `live` broker events (a sync committed, a room was pinned) to dashboards."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, web

from hub.events import LIVE_CHANNEL, Envelope
from hub.keys import CACHE

log = logging.getLogger(__name__)

HEARTBEAT = 30.0


async def live_feed(request: web.Request) -> web.WebSocketResponse:
    """Forward every `live` event to this browser; the events are public refresh hints."""
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=4096)
    await ws.prepare(request)
    # Only the newest event matters (each one means "reload the rooms"), so a slow browser
    # gets the latest one when it catches up instead of a queue that grows, and never
    # holds up the broker's reader.
    latest: list[str] = []
    ready = asyncio.Event()

    async def on_event(message: str) -> None:
        latest[:] = [Envelope.parse(message).text]
        ready.set()

    async def sender() -> None:
        while not ws.closed:
            await ready.wait()
            ready.clear()
            if latest and not ws.closed:
                try:
                    await ws.send_str(latest.pop())
                except (ConnectionError, RuntimeError):
                    return  # the browser went away; the reader loop ends the handler

    feeds = request.app[LIVE_FEEDS]
    feeds.add(ws)
    subscription = await request.app[CACHE].subscribe(LIVE_CHANNEL, on_event)
    task = asyncio.create_task(sender(), name="live-feed-sender")
    try:
        async for _ in ws:
            pass  # the client has nothing to say; reading keeps the heartbeat and close going
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await task
        await subscription.close()
        feeds.discard(ws)
    return ws


async def _close_feeds(app: web.Application) -> None:
    feeds = app[LIVE_FEEDS]
    for ws in list(feeds):
        with contextlib.suppress(ConnectionError):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def setup_live_feed(app: web.Application) -> None:
    """Register /ws/live and close its sockets with 1001 on shutdown."""
    app[LIVE_FEEDS] = set()
    app.on_shutdown.append(_close_feeds)
    app.router.add_get("/ws/live", live_feed, name="ws_live")


LIVE_FEEDS = web.AppKey("live_feeds", set[web.WebSocketResponse])
