"""The application factory: settings in, a fully wired aiohttp Application out (synchronous)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from hub.clock import Clock
from hub.demo import demo_ctx
from hub.keys import CLOCK, SETTINGS
from hub.live import setup_live
from hub.realtime.reactions import reactions_ctx
from hub.realtime.setup import setup_realtime
from hub.resources import cache_ctx, http_ctx, storage_ctx
from hub.settings import Settings
from hub.web.activities import setup_activities
from hub.web.admin_meetings import setup_admin_meetings
from hub.web.auth import setup_auth
from hub.web.chat import setup_chat
from hub.web.danmaku import setup_danmaku
from hub.web.guests import setup_guests
from hub.web.health import setup_health
from hub.web.limits import setup_limits
from hub.web.live import setup_live_routes
from hub.web.me import setup_me
from hub.web.meetings import setup_meetings
from hub.web.metrics import metrics_state_ctx, setup_metrics
from hub.web.middleware import setup_middleware
from hub.web.moderation import setup_moderation
from hub.web.mp_auth import setup_mp_auth
from hub.web.pages import setup_pages
from hub.web.screen import setup_screen
from hub.web.wechat_auth import setup_wechat_auth
from hub.web.ws import setup_ws
from hub.wechat.ctx import wechat_ctx
from hub.wechat.endpoints import ENDPOINTS, WeChatEndpoints

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"
MAX_BODY = 64 * 1024


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """Build the app; every resource opens and closes in a cleanup context, in order."""
    app = web.Application(client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[CLOCK] = clock or Clock()
    app[ENDPOINTS] = WeChatEndpoints.from_settings(settings)
    setup_metrics(app)
    setup_middleware(app)

    app.cleanup_ctx.append(storage_ctx)
    app.cleanup_ctx.append(cache_ctx)
    app.cleanup_ctx.append(http_ctx)
    if settings.demo:
        app.cleanup_ctx.append(demo_ctx)
    app.cleanup_ctx.append(wechat_ctx)
    setup_live(app)  # the engine and its loop (when enabled) start after the clients
    setup_live_routes(app)

    setup_health(app)
    setup_auth(app)
    setup_me(app)
    setup_limits(app)
    setup_mp_auth(app)  # mini-program sign-in, bearer tokens (issue 21)
    setup_wechat_auth(app)  # 公众号 sign-in in the WeChat browser (issue 21)
    setup_guests(app)  # nickname guests of `anyone` meetings (issue 21)
    setup_meetings(app)
    setup_admin_meetings(app)
    setup_realtime(app)
    setup_ws(app)
    app.cleanup_ctx.append(reactions_ctx)  # reaction frames of the meeting socket (issue 19)
    setup_screen(app)  # after the rooms: its cleanup context listens on the cache
    setup_chat(app)
    setup_moderation(app)
    setup_danmaku(app)
    setup_activities(app)
    setup_pages(app, TEMPLATES_DIR)
    app.router.add_static("/static", STATIC_DIR, name="static")
    app.cleanup_ctx.append(metrics_state_ctx)  # last: it reads what the contexts above opened
    return app
