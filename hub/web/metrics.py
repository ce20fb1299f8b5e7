"""GET /metrics: who may scrape, the gauges refreshed per scrape, the scrape-time collector."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.exposition import generate_latest

from hub.events import EVENTS
from hub.keys import SETTINGS
from hub.live.sync import LIVE
from hub.metrics import METRICS, Metrics
from hub.metrics_state import StateCollector
from hub.realtime.rooms import REALTIME
from hub.web.admin import require_admin
from hub.web.errors import ApiError
from hub.web.live_feed import LIVE_FEEDS
from hub.wechat.ctx import MP_CLIENT, TOKEN_KEEPERS, WECOM_CLIENT

log = logging.getLogger(__name__)


def _is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False  # a unix socket or an unknown peer is not trusted


async def _read_quota(app: web.Application, m: Metrics) -> None:
    # The quota is shared by every process through the cache: any of them can report it.
    live = app.get(LIVE)
    if live is not None:
        usage = await live.quota.usage()
        m.set_quota(usage.used, usage.budget)


async def metrics_handler(request: web.Request) -> web.Response:
    """Prometheus text format: loopback-only when configured, else the admin bearer token."""
    app = request.app
    if app[SETTINGS].metrics_loopback_only:
        # request.remote is the TCP peer: behind a proxy on the same host it is loopback too,
        # so operators who enable this must not expose /metrics through that proxy (docs/deploy.md).
        if not _is_loopback(request.remote):
            raise ApiError(403, "forbidden", "/metrics is served to loopback clients only")
    else:
        await require_admin(request)
    m = app[METRICS]
    try:
        await _read_quota(app, m)
    except Exception:
        # A failing gauge source (the cache, say) must not take the other series down with it.
        log.warning("reading the live quota for /metrics failed")
    body = generate_latest(m.registry)
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return resp


async def metrics_state_ctx(app: web.Application) -> AsyncIterator[None]:
    """Register the scrape-time collector over the objects every other context put on the app.

    Append it last: it reads what the contexts before it opened (absent ones read as zero).
    """
    keepers = app.get(TOKEN_KEEPERS)
    collector = StateCollector(
        rooms=app.get(REALTIME),
        live_feeds=app.get(LIVE_FEEDS),
        clients={"miniprogram": app.get(MP_CLIENT), "wecom": app.get(WECOM_CLIENT)},
        keepers=keepers if keepers is not None else {},
        events=app.get(EVENTS),
    )
    registry = app[METRICS].registry
    registry.register(collector)
    yield
    registry.unregister(collector)


def setup_metrics(app: web.Application) -> None:
    """Create the app's registry and register GET /metrics (append metrics_state_ctx last)."""
    app[METRICS] = Metrics()
    app[METRICS].quota_limit.set(app[SETTINGS].live_daily_quota)
    app.router.add_get("/metrics", metrics_handler, name="metrics")
