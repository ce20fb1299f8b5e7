"""The realtime rooms' cleanup context and the GOING_AWAY shutdown hook."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import WSCloseCode, web

from hub.background import periodic
from hub.events import EVENTS
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.realtime.limits import UserChatLimit
from hub.realtime.presence import Presence
from hub.realtime.rooms import REALTIME, RealtimeHub


async def realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    """The hub of rooms and the presence refresher; closes every client on the way out."""
    cache = app[CACHE]
    settings = app[SETTINGS]
    hub = RealtimeHub(
        cache,
        app[DB],
        Presence(cache, app[CLOCK], app[EVENTS]),
        sockets_per_user=settings.ws_per_user,
        chat_limit=UserChatLimit(cache, settings.chats_per_user, settings.chat_window),
    )
    app[REALTIME] = hub
    cache.on_reconnect(hub.catch_up)
    presence = hub.presence
    async with (
        periodic("presence-refresh", presence.refresh_once, presence.refresh),
        periodic("websocket-heartbeat", hub.heartbeat, settings.ws_heartbeat),
    ):
        yield
        await hub.close_all(WSCloseCode.GOING_AWAY, "server shutting down")
    await presence.close()


async def going_away(app: web.Application) -> None:
    """on_shutdown: websocket handlers never end by themselves, so close them (1001) first."""
    if REALTIME in app:
        await app[REALTIME].close_all(WSCloseCode.GOING_AWAY, "server shutting down")


def setup_realtime(app: web.Application) -> None:
    """The rooms' lifecycle: the cleanup context and the GOING_AWAY hook (routes: hub.web.ws)."""
    app.cleanup_ctx.append(realtime_ctx)
    app.on_shutdown.append(going_away)
