"""Prometheus metrics: one registry per app and the small recording API services are given.

GET /metrics and the scrape-time collector are the web layer's (hub.web.metrics).
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Latency buckets in seconds: API calls are milliseconds, a slow database or WeChat is seconds.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class SyncMetrics(Protocol):
    """What the live sync records: its runs and whether this process leads."""

    def record_sync(
        self, result: str, *, rooms: int | None = None, upserted: int = 0, deleted: int = 0
    ) -> None:
        """One sync run finished."""

    def set_leader(self, lock: str, held: bool) -> None:
        """Whether this process holds the leadership lock `lock`."""


class Metrics:
    """Every series hub exports, registered on a registry of its own (never the global one).

    Counts that hot paths keep as plain integers on their own objects (websocket frames, WeChat
    calls, token refreshes, the event bus) are read at scrape time by a collector the web layer
    registers (hub.metrics_state) instead of being pushed. The recording methods never raise.
    """

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
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
        self.meetings_open = Gauge(
            "hub_meetings_open",
            "Meetings holding a number right now (counted by the idle ender's rounds).",
            registry=r,
        )
        self.meeting_numbers = Gauge(
            "hub_meeting_numbers",
            "Meeting numbers in the pool; alert when hub_meetings_open nears 90% of it.",
            registry=r,
        )
        for result in ("ok", "error", "skipped"):
            self.sync_runs.labels(result=result)

    def record_sync(
        self, result: str, *, rooms: int | None = None, upserted: int = 0, deleted: int = 0
    ) -> None:
        """One sync run finished: result ok|error|skipped; on ok, rooms listed and rows changed."""
        self.sync_runs.labels(result=result).inc()
        if rooms is not None:
            self.sync_rooms.set(rooms)
        if upserted:
            self.sync_room_changes.labels(change="upserted").inc(upserted)
        if deleted:
            self.sync_room_changes.labels(change="deleted").inc(deleted)

    def set_quota(self, used: int, limit: int | None = None) -> None:
        """Today's getliveinfo quota used (and the daily limit)."""
        self.quota_used.set(used)
        if limit is not None:
            self.quota_limit.set(limit)

    def set_leader(self, lock: str, held: bool) -> None:
        """Whether this process holds the leadership lock `lock`."""
        self.leader.labels(lock=lock).set(1 if held else 0)

    def set_meeting_pool(self, open_meetings: int, pool: int) -> None:
        """Meetings open now and the size of the number pool they share."""
        self.meetings_open.set(open_meetings)
        self.meeting_numbers.set(pool)


METRICS = web.AppKey("metrics", Metrics)


def metrics_of(app: web.Application) -> Metrics | None:
    """The app's metrics, or None when metrics are not set up (some unit tests build bare apps)."""
    return app.get(METRICS)
