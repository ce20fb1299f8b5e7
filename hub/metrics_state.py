"""Series read at scrape time from objects on the app: websockets, WeChat calls, token refreshes."""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.realtime.rooms import REALTIME
from hub.web.live_feed import LIVE_FEEDS
from hub.wechat.ctx import MP_CLIENT, TOKEN_KEEPERS, WECOM_CLIENT


class StateCollector(Collector):
    """Reads plain integer counters kept by hot paths, so a websocket broadcast pays no lock."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """Every family is always present (zero before its owner starts), so scrapes are stable."""
        app = self.app
        hub = app.get(REALTIME)
        connections = GaugeMetricFamily(
            "hub_ws_connections",
            "Websocket clients connected to this process, by endpoint (meeting chat, live feed).",
            labels=["endpoint"],
        )
        connections.add_metric(["meeting"], hub.client_count() if hub is not None else 0)
        feeds = app.get(LIVE_FEEDS)
        connections.add_metric(["live"], len(feeds) if feeds is not None else 0)
        yield connections
        frames = CounterMetricFamily(
            "hub_ws_messages",
            "Websocket frames on this process, by direction (in: from clients, out: to clients).",
            labels=["direction"],
        )
        frames.add_metric(["in"], getattr(hub, "frames_in", 0))
        frames.add_metric(["out"], getattr(hub, "frames_out", 0))
        yield frames

        calls = CounterMetricFamily(
            "hub_wechat_calls",
            "HTTP requests this process sent to WeChat APIs, retries included, tokens excluded.",
            labels=["api"],
        )
        for api, key in (("miniprogram", MP_CLIENT), ("wecom", WECOM_CLIENT)):
            client = app.get(key)
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
        for kind, keeper in sorted((app.get(TOKEN_KEEPERS) or {}).items()):
            refreshes.add_metric([kind], keeper.refreshes)
            failures.add_metric([kind], getattr(keeper, "failures", 0))
        yield refreshes
        yield failures
