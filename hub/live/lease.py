"""The `live-sync` lock held for the length of one sync, renewed while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from hub.cache import Cache

log = logging.getLogger(__name__)

LOCK_NAME = "live-sync"
LOCK_TTL = 60.0


class Lease:
    """A held lock; `lost` turns true when a renewal finds someone else owns it."""

    def __init__(self, cache: Cache, name: str, token: str, ttl: float) -> None:
        self.cache = cache
        self.name = name
        self.token = token
        self.ttl = ttl
        self.lost = False

    async def renew_forever(self) -> None:
        """Extend the lock every third of its TTL until cancelled or lost."""
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                if not await self.cache.extend_lock(self.name, self.token, self.ttl):
                    log.warning("lost the %s lock while syncing", self.name)
                    self.lost = True
                    return
            except Exception:
                # A cache hiccup: the lock still has two thirds of its TTL; try again.
                log.warning("renewing the %s lock failed", self.name, exc_info=True)


@contextlib.asynccontextmanager
async def hold_lock(
    cache: Cache, name: str = LOCK_NAME, ttl: float = LOCK_TTL
) -> AsyncIterator[Lease | None]:
    """Yield a renewed Lease, or None at once when another holder (any process) has the lock."""
    token = await cache.acquire_lock(name, ttl)
    if token is None:
        yield None
        return
    lease = Lease(cache, name, token, ttl)
    renewer = asyncio.create_task(lease.renew_forever(), name=f"{name}-renew")
    try:
        yield lease
    finally:
        renewer.cancel()
        try:
            # wait() never raises the renewer's CancelledError, so a cancellation of *this*
            # task (app shutdown) is never swallowed here.
            await asyncio.wait([renewer])
        finally:
            try:
                await cache.release_lock(name, token)
            except Exception:
                log.warning("releasing the %s lock failed; it expires by itself", name)
