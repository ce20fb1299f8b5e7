"""The background sync loop: every process polls, only the holder of the `live-sync` lock syncs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.keys import CLOCK, LIVE, SETTINGS
from hub.live.common import SyncBusy

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


async def _loop(app: web.Application, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            delay = await step(app)
        except Exception:
            log.exception("live sync step failed")
            delay = app[SETTINGS].live_sync_interval
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)


async def live_requests_ctx(app: web.Application) -> AsyncIterator[None]:
    """At shutdown, wait for syncs that requests started before the cache and pools close."""
    yield
    await app[LIVE].drain(within=REQUEST_DRAIN_SECONDS)


async def live_sync_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the sync loop while the app lives (after storage, cache, HTTP and WeChat clients)."""
    stop = asyncio.Event()
    task = asyncio.create_task(_loop(app, stop), name="live-sync")
    yield
    # The flag ends the loop even if a library swallows the cancellation (Python 3.11's
    # wait_for can lose one that races with a result); cancel interrupts a sync in flight.
    stop.set()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
