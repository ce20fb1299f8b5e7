"""Three hub processes on one MariaDB and one Redis: chat fan-out, one syncer, one token fetch."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import aiohttp
import pytest
from yarl import URL

from hub.storage import open_database
from tests.cluster import (
    ADMIN,
    Cluster,
    ClusterFactory,
)
from tests.fixtures_ops import (
    WS,
    eventually,
    frame_of,
    login,
    metrics,
)

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]


async def test_chat_sent_to_any_process_reaches_clients_of_all_three(
    cluster_factory: ClusterFactory,
    browsers: list[aiohttp.ClientSession],
) -> None:
    cluster = cluster_factory(3)
    users = ["zhangsan", "lisi", "wangwu"]
    for userid in users:
        browsers.append(await login(cluster, userid))
    organizer = browsers[0]
    origin = {"Origin": cluster.urls[0]}
    resp = await organizer.post(
        cluster.urls[0] + "/api/meetings", json={"title": "cluster"}, headers=origin
    )
    assert resp.status == 201, await resp.text()
    number = (await resp.json())["number"]
    for i, browser in enumerate(browsers[1:], start=1):
        resp = await browser.post(f"{cluster.urls[i]}/api/meetings/{number}/join", headers=origin)
        assert resp.status == 200, await resp.text()

    # Client i talks to process i.
    sockets: list[WS] = []
    for i, browser in enumerate(browsers):
        ws_url = cluster.urls[i].replace("http", "ws") + f"/ws/meetings/{number}"
        ws = await browser.ws_connect(ws_url, headers=origin)
        await frame_of(ws, "hello")
        sockets.append(ws)
    # Wait until every process has subscribed: presence shows all three everywhere.
    for ws in sockets:
        while len((await frame_of(ws, "presence"))["online"]) < 3:
            pass

    for i, ws in enumerate(sockets):
        await ws.send_json({"type": "chat", "text": f"from process {i}", "client_id": f"c-{i}"})
        for receiver in sockets:
            frame = await frame_of(receiver, "chat")
            assert frame["text"] == f"from process {i}"
            assert frame["seq"] == i + 1
            assert frame["user"]["userid"] == users[i]
    for ws in sockets:
        await ws.close()

    resp = await organizer.get(f"{cluster.urls[2]}/api/meetings/{number}/messages")
    messages = (await resp.json())["messages"]
    assert [m["seq"] for m in messages] == [1, 2, 3]

    # Each process counted its own websocket traffic.
    async with aiohttp.ClientSession() as session:
        for url in cluster.urls:
            samples = await metrics(session, url)
            assert samples[("hub_ws_messages_total", "direction=in")] >= 1
            assert samples[("hub_ws_messages_total", "direction=out")] >= 4


async def sync_runs(database_url: str) -> list[dict[str, Any]]:
    """Every sync_run row, oldest first."""
    db = await open_database(database_url)
    try:
        return await db.fetchall(
            "SELECT id, started_at, finished_at, ok, list_calls, error FROM sync_run ORDER BY id"
        )
    finally:
        await db.close()


def assert_no_overlap(runs: list[dict[str, Any]]) -> None:
    """No two runs were in progress at the same time (they hold one lock)."""
    spans = sorted((float(r["started_at"]), float(r["finished_at"])) for r in runs)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, spans


async def leader_of(session: aiohttp.ClientSession, cluster: Cluster, within: float) -> int:
    """The index of the live process whose hub_leader{lock="live-sync"} gauge is 1."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for i, url in enumerate(cluster.urls):
            if cluster.hubs[i].alive:
                samples = await metrics(session, url)
                if samples.get(("hub_leader", "lock=live-sync")) == 1:
                    return i
        await asyncio.sleep(0.1)
    raise AssertionError("no process became the sync leader")


SYNC_ENV = {
    "HUB_LIVE_SYNC": "1",
    "HUB_LIVE_SYNC_INTERVAL": "1",
    "HUB_LEADER_TTL": "3",
    # A budget so large the planner never stretches the interval.
    "HUB_LIVE_DAILY_QUOTA": "10000000",
}


async def test_exactly_one_process_syncs_and_a_sigkilled_leader_is_replaced(
    cluster_factory: ClusterFactory,
) -> None:
    interval, ttl = 1.0, 3.0
    cluster = cluster_factory(3, env=SYNC_ENV, sim_rooms=30)
    async with aiohttp.ClientSession() as session:
        # Three processes side by side for several intervals.
        await asyncio.sleep(6 * interval)
        runs = await sync_runs(cluster.database_url)
        state = cluster.sim_state()
        # One sync per interval across the cluster (three loops would make about 18).
        assert 3 <= len(runs) <= 9, runs
        assert all(r["ok"] for r in runs), runs
        assert_no_overlap(runs)
        # Every listing call WeChat saw belongs to a recorded run (none from a hidden syncer);
        # one more may be in flight right now.
        listed = sum(int(r["list_calls"]) for r in runs)
        assert listed <= state["getliveinfo_calls"] <= listed + 1, (state, runs)
        per_process = [
            (await metrics(session, url)).get(("hub_sync_runs_total", "result=ok"), 0.0)
            for url in cluster.urls
        ]
        assert len(runs) <= sum(per_process) + 1, (per_process, runs)

        # The next listing hangs at WeChat; SIGKILL whoever is stuck in it, holding the lock. The
        # leader is read once the hanging call has arrived: read earlier, on a loaded machine, it
        # can name the previous run's holder while another process makes the call that hangs.
        cluster.sim_post("/_sim/faults", {"getliveinfo": {"delay": 60, "times": 1}})

        async def listing_hangs() -> bool:
            return not cluster.sim_state()["faults_pending"].get("getliveinfo")

        await eventually(listing_hangs, 10, "a listing to hang")
        victim = await leader_of(session, cluster, within=10)
        cluster.hubs[victim].kill()
        killed_at = time.time()

        async def survivor_synced() -> bool:
            rows = await sync_runs(cluster.database_url)
            return any(float(r["started_at"]) > killed_at and r["ok"] for r in rows)

        # Bounded by the lock TTL plus one loop interval (plus slack for a loaded machine).
        await eventually(survivor_synced, ttl + interval + 10, "a survivor to take over")
        print(f"sync taken over {time.time() - killed_at:.1f} s after SIGKILL (TTL {ttl} s)")
        assert_no_overlap(await sync_runs(cluster.database_url))


async def test_one_token_fetch_per_expiry_not_one_per_process(
    cluster_factory: ClusterFactory,
    browsers: list[aiohttp.ClientSession],
) -> None:
    cluster = cluster_factory(3, sim_rooms=5)
    async with aiohttp.ClientSession() as session:

        async def sync_on(i: int) -> None:
            async with session.post(cluster.urls[i] + "/api/admin/live/sync", headers=ADMIN) as r:
                assert r.status == 200, await r.text()
                # The run succeeds: the refused token was replaced and the call retried once.
                assert (await r.json())["ok"] is True

        await sync_on(0)
        start = cluster.sim_state()["token_calls"]
        assert start == 1
        for expiry in range(1, 3):
            # Every token WeChat issued so far is now expired (42001) behind hub's back.
            cluster.sim_post("/_sim/clock", {"advance": 7300})
            for i in range(3):
                await sync_on(i)
            assert cluster.sim_state()["token_calls"] == start + expiry

    # WeCom logins on the three processes at once after its token expired: one refetch.
    browsers.append(await login(cluster, "zhangsan"))
    wecom_before = cluster.sim_state()["wecom_token_calls"]
    cluster.sim_post("/_sim/clock", {"advance": 7300})

    async def login_on(i: int, userid: str) -> None:
        browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        browsers.append(browser)
        resp = await browser.get(cluster.urls[i] + "/auth/login", allow_redirects=False)
        authorize = resp.headers["Location"].partition("#")[0] + "&userid=" + userid
        async with aiohttp.ClientSession() as plain:
            approved = await plain.get(authorize, allow_redirects=False)
            back = URL(approved.headers["Location"])
        # The callback lands on process i, whatever the public URL names.
        resp = await browser.get(cluster.urls[i] + str(back.relative()), allow_redirects=False)
        assert resp.status == 302, await resp.text()
        me = await browser.get(cluster.urls[i] + "/api/me")
        assert (await me.json())["user"]["userid"] == userid

    await asyncio.gather(*(login_on(i, u) for i, u in enumerate(["lisi", "wangwu", "zhaoliu"])))
    assert cluster.sim_state()["wecom_token_calls"] == wecom_before + 1
