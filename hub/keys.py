"""The foundation's typed AppKeys: settings, clock, storage, cache, the shared HTTP session.

Every other key lives beside the service it holds (REALTIME in hub.realtime.rooms, EVENTS in
hub.events, LIVE in hub.live.sync, ...), as aiohttp's own examples keep theirs.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web

from hub.cache import Cache
from hub.clock import Clock
from hub.settings import Settings
from hub.storage import Database

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DB = web.AppKey[Database]("db")
CACHE = web.AppKey[Cache]("cache")
HTTP = web.AppKey("http", aiohttp.ClientSession)
