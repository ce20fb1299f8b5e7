"""Series read at scrape time from the objects that count: sockets, WeChat calls, tokens, the bus.

The collector is given those objects (hub.web.metrics builds it once every resource is up); it
only reads plain integers, so it needs nothing of hub but the shapes below.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sized
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class Rooms(Protocol):
    """The realtime hub of rooms (hub.realtime.rooms.RealtimeHub)."""

    frames_in: int
    frames_out: int

    def client_count(self) -> int:
        """Websocket clients connected to this process."""


class Client(Protocol):
    """A WeChat client (hub.wechat.base.TokenClient)."""

    @property
    def calls_sent(self) -> int:
        """HTTP requests sent, retries included."""


class Keeper(Protocol):
    """A token keeper (hub.wechat.tokens.TokenKeeper)."""

    refreshes: int
    failures: int


class Bus(Protocol):
    """The event bus (hub.events.EventBus)."""

    dropped: int

    @property
    def queued(self) -> int:
        """Frames waiting for the broker."""


class StateCollector(Collector):
    """Reads plain integer counters kept by hot paths, so a websocket broadcast pays no lock.

    An object that is absent (None, or missing from a mapping) reads as zero.
    """

    def __init__(
        self,
        *,
        rooms: Rooms | None,
        live_feeds: Sized | None,
        clients: Mapping[str, Client | None],
        keepers: Mapping[str, Keeper],
        events: Bus | None,
    ) -> None:
        self.rooms = rooms
        self.live_feeds = live_feeds
        self.clients = clients
        self.keepers = keepers
        self.events = events

    def collect(self) -> Iterator[Metric]:
        """Every family is always present (zero before its owner starts), so scrapes are stable."""
        rooms = self.rooms
        connections = GaugeMetricFamily(
            "hub_ws_connections",
            "Websocket clients connected to this process, by endpoint (meeting chat, live feed).",
            labels=["endpoint"],
        )
        connections.add_metric(["meeting"], rooms.client_count() if rooms is not None else 0)
        feeds = self.live_feeds
        connections.add_metric(["live"], len(feeds) if feeds is not None else 0)
        yield connections
        frames = CounterMetricFamily(
            "hub_ws_messages",
            "Websocket frames on this process, by direction (in: from clients, out: to clients).",
            labels=["direction"],
        )
        frames.add_metric(["in"], rooms.frames_in if rooms is not None else 0)
        frames.add_metric(["out"], rooms.frames_out if rooms is not None else 0)
        yield frames

        calls = CounterMetricFamily(
            "hub_wechat_calls",
            "HTTP requests this process sent to WeChat APIs, retries included, tokens excluded.",
            labels=["api"],
        )
        for api in ("miniprogram", "wecom"):
            client = self.clients.get(api)
            calls.add_metric([api], client.calls_sent if client is not None else 0)
        yield calls

        refreshes = CounterMetricFamily(
            "hub_token_refreshes",
            "Access tokens this process fetched from WeChat, by kind.",
            labels=["kind"],
        )
        failures = CounterMetricFamily(
            "hub_token_refresh_failures",
            "Failed access-token fetches of this process, by kind.",
            labels=["kind"],
        )
        for kind, keeper in sorted(self.keepers.items()):
            refreshes.add_metric([kind], keeper.refreshes)
            failures.add_metric([kind], keeper.failures)
        yield refreshes
        yield failures

        events = self.events
        queued = GaugeMetricFamily(
            "hub_events_queued",
            "Frames waiting for the broker to answer again (resent in order when it does).",
        )
        queued.add_metric([], events.queued if events is not None else 0)
        yield queued
        dropped = CounterMetricFamily(
            "hub_events_dropped",
            "Frames the event bus gave up on (queue full, too old, or still queued at shutdown).",
        )
        dropped.add_metric([], events.dropped if events is not None else 0)
        yield dropped
