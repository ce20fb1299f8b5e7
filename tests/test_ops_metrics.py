"""GET /metrics (auth, loopback mode, Prometheus parsing), request ids and HTTP series by route."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from hub.app import create_app
from hub.events import EVENTS, MAX_QUEUED
from hub.settings import Settings
from hub.simulator import RunningSimulator
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.fixtures_realtime import connect_ticket, frame_of, make_meeting, make_user
from tests.helpers_auth import sim_settings
from tests.servers import Redis, have_redis

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

# Every series the issue lists, by family name as prometheus-client's parser reports it.
LISTED = {
    "hub_http_requests",  # HTTP requests by route and status
    "hub_http_request_duration_seconds",  # latency histograms
    "hub_ws_connections",  # websocket connections
    "hub_ws_messages",  # messages in and out
    "hub_sync_runs",  # sync runs
    "hub_sync_rooms",  # rooms
    "hub_wechat_calls",  # calls
    "hub_live_quota_used",  # quota used
    "hub_token_refreshes",  # token refreshes
    "hub_token_refresh_failures",  # and failures
}


def parse(text: str) -> tuple[set[str], Samples]:
    """Family names and every sample keyed by (name, labels), through the official parser."""
    families = list(text_string_to_metric_families(text))
    samples: Samples = {}
    for fam in families:
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return {f.name for f in families}, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: TestClient[web.Request, web.Application]) -> tuple[set[str], Samples]:
    """Fetch and parse /metrics with the admin token."""
    resp = await client.get("/metrics", headers=AUTH)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    return parse(await resp.text())


async def test_metrics_requires_admin_token(
    make_settings: Callable[..., Settings], hub_client: AppClient
) -> None:
    client = await hub_client(make_settings())
    resp = await client.get("/metrics")
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthorized"
    resp = await client.get("/metrics", headers={"Authorization": "Bearer wrong-token-123456"})
    assert resp.status == 403
    await scrape(client)


async def test_metrics_show_every_listed_series_from_real_work(
    sim: RunningSimulator,
    make_settings: Callable[..., Settings],
    hub_client: AppClient,
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, live_daily_quota=321))
    app = client.app
    assert app is not None
    async with aiohttp.ClientSession() as session:
        gen = {"count": 7, "seed": 3, "replace": True}
        async with session.post(sim.url + "/_sim/rooms/generate", json=gen) as resp:
            assert resp.status == 200
        resp = await client.post("/api/admin/live/sync", headers=AUTH)
        assert resp.status == 200, await resp.text()

        organizer = await make_user(app, "zhangsan")
        meeting = await make_meeting(app, organizer)
        ws = await connect_ticket(client, session, organizer, meeting)
        await frame_of(ws, "hello")
        await ws.send_json({"type": "chat", "text": "hello metrics", "client_id": "m-1"})
        await frame_of(ws, "chat")
        names, samples = await scrape(client)
        assert value(samples, "hub_ws_connections", endpoint="meeting") == 1
        await ws.close()

        # The token expires at WeChat; the refresh WeChat refuses counts as a failure.
        async with session.post(sim.url + "/_sim/clock", json={"advance": 8000}) as resp:
            assert resp.status == 200
        fault = {"token": {"errcode": 40125, "times": 3}}
        async with session.post(sim.url + "/_sim/faults", json=fault) as resp:
            assert resp.status == 200
        resp = await client.post("/api/admin/live/sync", headers=AUTH)
        assert resp.status != 500

    names, samples = await scrape(client)
    assert names >= LISTED
    assert value(samples, "hub_sync_runs_total", result="ok") == 1
    assert value(samples, "hub_sync_runs_total", result="error") == 1
    assert value(samples, "hub_sync_rooms") == 7
    assert value(samples, "hub_sync_room_changes_total", change="upserted") == 7
    assert value(samples, "hub_wechat_calls_total", api="miniprogram") >= 2
    assert value(samples, "hub_live_quota_used") >= 1
    assert value(samples, "hub_live_quota_limit") == 321
    assert value(samples, "hub_token_refreshes_total", kind="miniprogram") == 1
    assert value(samples, "hub_token_refresh_failures_total", kind="miniprogram") >= 1
    assert value(samples, "hub_ws_messages_total", direction="in") >= 1
    # hello, the chat echo, presence: at least three frames went out.
    assert value(samples, "hub_ws_messages_total", direction="out") >= 3
    assert value(samples, "hub_leader", lock="live-sync") == 0
    assert (
        value(
            samples,
            "hub_http_requests_total",
            method="POST",
            route="/api/admin/live/sync",
            status="200",
        )
        >= 1
    )


async def test_two_apps_never_share_series(
    make_settings: Callable[..., Settings], hub_client: AppClient
) -> None:
    one = await hub_client(make_settings())
    two = await hub_client(make_settings())
    for _ in range(3):
        assert (await one.get("/healthz")).status == 200
    _, samples = await scrape(two)
    assert (
        value(samples, "hub_http_requests_total", method="GET", route="/healthz", status="200") == 0
    )
    _, samples = await scrape(one)
    assert (
        value(samples, "hub_http_requests_total", method="GET", route="/healthz", status="200") == 3
    )


@pytest.mark.redis
async def test_event_bus_series_show_frames_waiting_for_the_broker_and_dropped(
    make_settings: Callable[..., Settings], hub_client: AppClient
) -> None:
    if not have_redis():
        pytest.skip("Redis is not installed; run scripts/test")
    server = Redis().start()  # this test's own: it stops it
    try:
        client = await hub_client(make_settings(redis_url=server.url()))
        bus = client.app[EVENTS]
        names, samples = await scrape(client)
        assert {"hub_events_queued", "hub_events_dropped"} <= names
        assert value(samples, "hub_events_queued") == 0
        assert value(samples, "hub_events_dropped_total") == 0

        await asyncio.to_thread(server.stop)
        for n in range(MAX_QUEUED + 3):  # the queue is full after MAX_QUEUED: 3 fall off
            assert not await bus.live({"event": "pinned", "roomid": n})
        # The scrape still answers while the cache is down (the quota gauge just keeps its value).
        _, samples = await scrape(client)
        assert value(samples, "hub_events_queued") == MAX_QUEUED
        assert value(samples, "hub_events_dropped_total") == 3

        await asyncio.to_thread(server.start)
        for _ in range(400):
            if bus.queued == 0:
                break
            await asyncio.sleep(0.05)
        _, samples = await scrape(client)
        assert value(samples, "hub_events_queued") == 0
        assert value(samples, "hub_events_dropped_total") == 3
    finally:
        await asyncio.to_thread(server.destroy)


async def test_http_series_use_route_patterns_not_raw_paths(
    make_settings: Callable[..., Settings], aiohttp_client: Any
) -> None:
    app = create_app(make_settings())

    async def item(request: web.Request) -> web.Response:
        return web.json_response({"n": request.match_info["n"]})

    app.router.add_get("/t/items/{n}", item, name="test_item")
    client: TestClient[web.Request, web.Application] = await aiohttp_client(app)
    for n in ("1", "2", "3"):
        assert (await client.get(f"/t/items/{n}")).status == 200
    for path in ("/nope/a", "/nope/b", "/api/nothing-here"):
        assert (await client.get(path)).status == 404
    assert (await client.get("/healthz")).status == 200

    _, samples = await scrape(client)
    reqs = "hub_http_requests_total"
    assert value(samples, reqs, method="GET", route="/t/items/{n}", status="200") == 3
    assert value(samples, reqs, method="GET", route="unmatched", status="404") == 3
    assert value(samples, reqs, method="GET", route="/healthz", status="200") == 1
    routes = {dict(labels).get("route") for name, labels in samples if name == reqs}
    assert not any(r and ("/t/items/1" in r or "/nope" in r) for r in routes)
    count = "hub_http_request_duration_seconds_count"
    assert value(samples, count, method="GET", route="/t/items/{n}") == 3


async def test_request_id_is_echoed_when_sane_and_replaced_otherwise(
    make_settings: Callable[..., Settings], hub_client: AppClient
) -> None:
    client = await hub_client(make_settings())
    resp = await client.get("/healthz", headers={"X-Request-Id": "lb-1234.abc"})
    assert resp.headers["X-Request-Id"] == "lb-1234.abc"
    fresh = (await client.get("/healthz")).headers["X-Request-Id"]
    again = (await client.get("/healthz")).headers["X-Request-Id"]
    assert fresh and again and fresh != again
    for bad in ("has spaces in it", "x" * 65, "semi;colon", "<script>"):
        got = (await client.get("/healthz", headers={"X-Request-Id": bad})).headers["X-Request-Id"]
        assert got != bad and got
    # Errors carry the id too, so a user's report of a failure can be found in the logs.
    resp = await client.get("/api/no-such-route", headers={"X-Request-Id": "err-42"})
    assert resp.status == 404
    assert resp.headers["X-Request-Id"] == "err-42"


async def test_loopback_only_mode_needs_no_token_on_loopback(
    make_settings: Callable[..., Settings], hub_client: AppClient
) -> None:
    client = await hub_client(make_settings(metrics_loopback_only=True))
    resp = await client.get("/metrics")
    assert resp.status == 200
    parse(await resp.text())


def _own_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        addr: str = sock.getsockname()[0]
        return None if addr.startswith("127.") else addr


async def test_loopback_only_mode_refuses_other_peers(
    make_settings: Callable[..., Settings],
) -> None:
    address = _own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    app = create_app(make_settings(metrics_loopback_only=True))
    server = TestServer(app, host="0.0.0.0")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://{address}:{server.port}/metrics"
            async with session.get(url, headers=AUTH) as resp:
                # Even the admin token does not open it: the setting means "loopback only".
                assert resp.status == 403
                assert (await resp.json())["error"]["code"] == "forbidden"
            async with session.get(f"http://127.0.0.1:{server.port}/metrics") as resp:
                assert resp.status == 200
    finally:
        await server.close()
