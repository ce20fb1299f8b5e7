"""The live-room mirror: sync within the daily quota, replays, and the background loop."""

from __future__ import annotations

from aiohttp import web

from hub.keys import SETTINGS
from hub.live.loop import live_requests_ctx, live_sync_ctx
from hub.live.sync import LIVE, LiveSync


def setup_live(app: web.Application) -> None:
    """Put the sync engine on the app and start the loop if enabled (routes: hub.web.live).

    Call after the WeChat clients' cleanup context is appended: the loop needs them.
    """
    app[LIVE] = LiveSync(app)
    app.cleanup_ctx.append(live_requests_ctx)
    if app[SETTINGS].live_sync_enabled:
        app.cleanup_ctx.append(live_sync_ctx)
