"""The live-room mirror: sync within the daily quota, replays, and the background loop."""

from __future__ import annotations

from aiohttp import web

from hub.keys import LIVE, SETTINGS
from hub.live.loop import live_requests_ctx, live_sync_ctx
from hub.live.sync import LiveSync
from hub.web.live import setup_live_routes


def setup_live(app: web.Application) -> None:
    """Put the sync engine on the app, add the live routes, and start the loop if enabled.

    Call after the WeChat clients' cleanup context is appended: the loop needs them.
    """
    app[LIVE] = LiveSync(app)
    setup_live_routes(app)
    app.cleanup_ctx.append(live_requests_ctx)
    if app[SETTINGS].live_sync_enabled:
        app.cleanup_ctx.append(live_sync_ctx)
