"""The background sync loop: every process polls, only the holder of the `live-sync` lock syncs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web

from hub.background import periodic
from hub.keys import CLOCK, SETTINGS
from hub.live.common import SyncBusy
from hub.live.sync import LIVE

log = logging.getLogger(__name__)

# A full sync takes seconds; past this a stuck one is cancelled (its transaction rolls back).
REQUEST_DRAIN_SECONDS = 20.0


async def step(app: web.Application) -> float:
    """Sync when the shared plan says it is due; returns how long to sleep before looking again."""
    live, clock = app[LIVE], app[CLOCK]
    base = app[SETTINGS].live_sync_interval
    if await live.due():
        try:
            await live.sync("loop", force=False)
        except SyncBusy:
            log.debug("another process is syncing the live rooms")
    at = await live.next_run_at()
    wait = base if at is None else at - clock.time()
    # Look again at least every `base` seconds (the plan may move, or the clock be advanced),
    # but never spin while another process holds the lock.
    return min(base, max(wait, min(base, 1.0)))


async def live_requests_ctx(app: web.Application) -> AsyncIterator[None]:
    """At shutdown, wait for syncs that requests started before the cache and pools close."""
    yield
    await app[LIVE].drain(within=REQUEST_DRAIN_SECONDS)


async def live_sync_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the sync loop while the app lives (after storage, cache, HTTP and WeChat clients).

    Leaving cancels a sync in flight: its transaction rolls back and the mirror keeps the old state.
    """
    async with periodic("live-sync", partial(step, app), app[SETTINGS].live_sync_interval):
        yield
