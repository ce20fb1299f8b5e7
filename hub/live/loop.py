"""The background sync loop: every process polls, only the holder of the `live-sync` lock syncs."""

from __future__ import annotations

import logging

from hub.live.common import SyncBusy
from hub.live.sync import LiveSync

log = logging.getLogger(__name__)

# A full sync takes seconds; past this a stuck one is cancelled (its transaction rolls back).
REQUEST_DRAIN_SECONDS = 20.0


async def step(live: LiveSync) -> float:
    """Sync when the shared plan says it is due; returns how long to sleep before looking again."""
    base = live.interval
    if await live.due():
        try:
            await live.sync("loop", force=False)
        except SyncBusy:
            log.debug("another process is syncing the live rooms")
    at = await live.next_run_at()
    wait = base if at is None else at - live.clock.time()
    # Look again at least every `base` seconds (the plan may move, or the clock be advanced),
    # but never spin while another process holds the lock.
    return min(base, max(wait, min(base, 1.0)))
