"""Cleanup contexts for the shared resources, in dependency order: storage, cache and bus, HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from hub.cache import open_cache
from hub.events import EVENTS, EventBus
from hub.keys import CACHE, DB, HTTP, SETTINGS
from hub.storage import open_database
from hub.storage.migrations import migrate

log = logging.getLogger(__name__)


async def storage_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the database and apply pending migrations before anything else starts."""
    db = await open_database(app[SETTINGS].database_url)
    try:
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    app[DB] = db
    yield
    await db.close()


async def cache_ctx(app: web.Application) -> AsyncIterator[None]:
    """Redis when configured, else the in-process cache and broker; the event bus on top."""
    settings = app[SETTINGS]
    cache = await open_cache(settings.redis_url, settings.redis_prefix)
    app[CACHE] = cache
    app[EVENTS] = EventBus(cache)
    yield
    await app[EVENTS].close()
    await cache.close()


async def http_ctx(app: web.Application) -> AsyncIterator[None]:
    """The one shared client session for every outgoing call."""
    timeout = aiohttp.ClientTimeout(total=15, connect=5)
    async with aiohttp.ClientSession(timeout=timeout, raise_for_status=False) as session:
        app[HTTP] = session
        yield
