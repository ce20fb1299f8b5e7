"""The live-room mirror: sync within the daily quota, replays, and the background loop."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web

from hub.background import periodic
from hub.events import EVENTS
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.live.loop import REQUEST_DRAIN_SECONDS, step
from hub.live.pages import ROOM_PAGES, RoomPages
from hub.live.sync import LIVE, LiveSync
from hub.metrics import METRICS
from hub.wechat.ctx import MP_CLIENT


async def live_ctx(app: web.Application) -> AsyncIterator[None]:
    """The one place live reads the app: build the engine, run the loop while the app lives.

    Append after storage, the cache, HTTP and the WeChat clients' context. Leaving stops the
    loop (a sync in flight is cancelled: its transaction rolls back and the mirror keeps the
    old state), then waits for syncs that requests started, before the cache and pools close.
    """
    settings = app[SETTINGS]
    live = LiveSync(
        app[DB],
        app[CACHE],
        app[CLOCK],
        app[MP_CLIENT],
        app[EVENTS],
        app.get(METRICS),
        daily_quota=settings.live_daily_quota,
        interval=settings.live_sync_interval,
        leader_ttl=settings.leader_ttl,
    )
    app[LIVE] = live
    app[ROOM_PAGES] = RoomPages(app[DB], app[CACHE], live, settings.default_anchor_img)
    loop: contextlib.AbstractAsyncContextManager[None] = contextlib.nullcontext()
    if settings.live_sync_enabled:
        loop = periodic("live-sync", partial(step, live), settings.live_sync_interval)
    async with loop:
        yield
    await live.drain(within=REQUEST_DRAIN_SECONDS)


def setup_live(app: web.Application) -> None:
    """Run the live engine (and its loop, when enabled) with the app (routes: hub.web.live).

    Call after the WeChat clients' cleanup context is appended: the engine needs them.
    """
    app.cleanup_ctx.append(live_ctx)
