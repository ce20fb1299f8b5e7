"""Prometheus metrics: one registry per app, a small recording API for others, GET /metrics."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from hub.keys import SETTINGS
from hub.metrics_state import StateCollector
from hub.web.admin import require_admin
from hub.web.errors import ApiError

log = logging.getLogger(__name__)

# Latency buckets in seconds: API calls are milliseconds, a slow database or WeChat is seconds.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

ScrapeHook = Callable[[web.Application], Awaitable[None]]


class Metrics:
    """Every series hub exports, registered on a registry of its own (never the global one).

    Counts that hot paths keep as plain integers on their own objects (websocket frames, WeChat
    calls, token refreshes) are read at scrape time by StateCollector instead of being pushed.
    """

    def __init__(self, app: web.Application) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.scrape_hooks: list[ScrapeHook] = []
        self.http_requests = Counter(
            "hub_http_requests",
            "HTTP requests answered, by method, route pattern and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "hub_http_request_duration_seconds",
            "Time to answer an HTTP request (websocket upgrades excluded), by route pattern.",
            ["method", "route"],
            buckets=_LATENCY,
            registry=r,
        )
        self.sync_runs = Counter(
            "hub_sync_runs",
            "Live-room sync runs finished by this process, by result (ok, error, skipped).",
            ["result"],
            registry=r,
        )
        self.sync_rooms = Gauge(
            "hub_sync_rooms", "Rooms WeChat listed in the last successful sync.", registry=r
        )
        self.sync_room_changes = Counter(
            "hub_sync_room_changes",
            "Rooms written by syncs, by change (upserted, deleted).",
            ["change"],
            registry=r,
        )
        self.quota_used = Gauge(
            "hub_live_quota_used", "getliveinfo calls used today (Beijing day).", registry=r
        )
        self.quota_limit = Gauge(
            "hub_live_quota_limit", "getliveinfo calls allowed per Beijing day.", registry=r
        )
        self.leader = Gauge(
            "hub_leader",
            "1 while this process holds the named leadership lock (e.g. live-sync).",
            ["lock"],
            registry=r,
        )
        for result in ("ok", "error", "skipped"):
            self.sync_runs.labels(result=result)
        r.register(StateCollector(app))


METRICS = web.AppKey("metrics", Metrics)


def metrics_of(app: web.Application) -> Metrics | None:
    """The app's metrics, or None when metrics are not set up (some unit tests build bare apps)."""
    return app.get(METRICS)


# The recording API other modules call. Each is a no-op without metrics, never raises.


def record_sync(
    app: web.Application,
    result: str,
    *,
    rooms: int | None = None,
    upserted: int = 0,
    deleted: int = 0,
) -> None:
    """One sync run finished: result ok|error|skipped; on ok, rooms listed and rows changed."""
    m = metrics_of(app)
    if m is None:
        return
    m.sync_runs.labels(result=result).inc()
    if rooms is not None:
        m.sync_rooms.set(rooms)
    if upserted:
        m.sync_room_changes.labels(change="upserted").inc(upserted)
    if deleted:
        m.sync_room_changes.labels(change="deleted").inc(deleted)


def set_quota(app: web.Application, used: int, limit: int | None = None) -> None:
    """Today's getliveinfo quota used (and the daily limit)."""
    m = metrics_of(app)
    if m is None:
        return
    m.quota_used.set(used)
    if limit is not None:
        m.quota_limit.set(limit)


def set_leader(app: web.Application, lock: str, held: bool) -> None:
    """Whether this process holds the leadership lock `lock`."""
    m = metrics_of(app)
    if m is not None:
        m.leader.labels(lock=lock).set(1 if held else 0)


def add_scrape_hook(app: web.Application, hook: ScrapeHook) -> None:
    """Run `hook(app)` before each scrape, to refresh gauges read from shared state."""
    m = metrics_of(app)
    if m is not None:
        m.scrape_hooks.append(hook)


async def _read_quota(app: web.Application) -> None:
    # The quota is shared by every process through the cache: any of them can report it.
    from hub.live.sync import LIVE  # temporary: live imports this module (metrics split next)

    live = app.get(LIVE)
    if live is not None:
        usage = await live.quota.usage()
        set_quota(app, usage.used, usage.budget)


def _is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False  # a unix socket or an unknown peer is not trusted


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
    for hook in m.scrape_hooks:
        try:
            await hook(app)
        except Exception:
            # A failing gauge source must not take the other series down with it.
            log.warning("metrics scrape hook %s failed", getattr(hook, "__name__", hook))
    body = generate_latest(m.registry)
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return resp


def setup_metrics(app: web.Application) -> None:
    """Create the app's registry and register GET /metrics."""
    app[METRICS] = Metrics(app)
    app[METRICS].quota_limit.set(app[SETTINGS].live_daily_quota)
    add_scrape_hook(app, _read_quota)
    app.router.add_get("/metrics", metrics_handler, name="metrics")
