"""Processes killed or stopped mid-work: the mirror is never a mix; clients hear 1001 on stop."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from typing import Any

import aiohttp
import pytest

from hub.storage import open_database
from tests.cluster import (
    ADMIN,
    Cluster,
    ClusterFactory,
)
from tests.fixtures_ops import (
    frame_of,
    login,
    metrics,
)

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]


def rooms(ids: range, tag: str, now: float) -> list[dict[str, Any]]:
    """Upcoming rooms named `{tag} {id}` (no replays are ever asked for them)."""
    out = []
    for roomid in ids:
        start = int(now) + 3600 + roomid
        out.append(
            {
                "roomid": roomid,
                "name": f"{tag} {roomid}",
                "live_status": 102,
                "start_time": start,
                "end_time": start + 7200,
            }
        )
    return out


async def mirror(cluster: Cluster) -> dict[int, str]:
    """roomid -> name of every mirrored room, straight from MariaDB."""
    db = await open_database(cluster.database_url)
    try:
        rows = await db.fetchall("SELECT roomid, name FROM live_room")
    finally:
        await db.close()
    return {int(r["roomid"]): str(r["name"]) for r in rows}


async def admin_sync(session: aiohttp.ClientSession, url: str, within: float = 20) -> None:
    """POST a sync, retrying while another holds the lock (a dead holder's lock must expire)."""
    deadline = time.monotonic() + within
    while True:
        async with session.post(url + "/api/admin/live/sync", headers=ADMIN) as resp:
            body = await resp.json()
            if resp.status == 200:
                assert body["ok"], body
                return
            assert resp.status == 409, body
        assert time.monotonic() < deadline, "the sync lock was never freed"
        await asyncio.sleep(0.3)


async def clear_faults(session: aiohttp.ClientSession, cluster: Cluster) -> None:
    """Drop every fault still queued at the simulator."""
    async with session.delete(cluster.sim_url + "/_sim/faults") as resp:
        assert resp.status < 300


async def wait_leader(session: aiohttp.ClientSession, url: str, within: float = 10) -> None:
    """Until the process at `url` reports it is running a sync."""
    deadline = time.monotonic() + within
    while (await metrics(session, url)).get(("hub_leader", "lock=live-sync")) != 1:
        assert time.monotonic() < deadline, "the sync never started"
        await asyncio.sleep(0.05)


async def test_sigkill_in_the_middle_of_a_sync_leaves_the_old_or_the_new_mirror(
    cluster_factory: ClusterFactory,
) -> None:
    cluster = cluster_factory(2)
    sim_now = float(cluster.sim_state()["now"])
    old_ids, new_ids = range(1, 1201), range(201, 1401)
    old = {r["roomid"]: r["name"] for r in rooms(old_ids, "old", sim_now)}
    new = {r["roomid"]: r["name"] for r in rooms(new_ids, "new", sim_now)}
    async with aiohttp.ClientSession() as session:
        cluster.sim_post("/_sim/rooms", {"rooms": rooms(old_ids, "old", sim_now), "replace": True})
        await admin_sync(session, cluster.urls[0])
        assert await mirror(cluster) == old
        cluster.sim_post("/_sim/rooms", {"rooms": rooms(new_ids, "new", sim_now), "replace": True})

        # 1. Killed while a late page hangs at WeChat: nothing of the new listing is written.
        cluster.sim_post("/_sim/faults", {"getliveinfo": {"delay": 60, "skip": 5}})
        pending = asyncio.ensure_future(
            session.post(cluster.urls[1] + "/api/admin/live/sync", headers=ADMIN)
        )
        await wait_leader(session, cluster.urls[1])
        await asyncio.sleep(0.5)  # well into the listing: five pages answered, the sixth hangs
        cluster.hubs[1].kill()
        with pytest.raises(aiohttp.ClientError):
            await pending
        assert await mirror(cluster) == old
        await clear_faults(session, cluster)
        cluster.restart_hub(1)

        # 2. Killed at random moments of whole syncs, the transaction included: never a mix.
        rng = random.Random(7)
        expected = old
        for attempt in range(4):
            listing, tag = (new_ids, "new") if attempt % 2 == 0 else (old_ids, "old")
            cluster.sim_post(
                "/_sim/rooms", {"rooms": rooms(listing, tag, sim_now), "replace": True}
            )
            # Slow pages stretch the listing so a random kill lands anywhere in it or after it.
            cluster.sim_post("/_sim/faults", {"getliveinfo": {"delay": 0.05, "times": 14}})
            pending = asyncio.ensure_future(
                session.post(cluster.urls[1] + "/api/admin/live/sync", headers=ADMIN)
            )
            await asyncio.sleep(rng.uniform(0.2, 1.2))
            cluster.hubs[1].kill()
            try:
                resp = await pending
                finished = resp.status == 200
            except aiohttp.ClientError:
                finished = False
            got = await mirror(cluster)
            target = new if tag == "new" else old
            assert got in (expected, target), (attempt, len(got))
            if finished:
                assert got == target
            expected = got
            await asyncio.sleep(0.1)
            await clear_faults(session, cluster)
            cluster.restart_hub(1)

        # The survivor completes the sync once the dead holder's lock has expired.
        cluster.sim_post("/_sim/rooms", {"rooms": rooms(new_ids, "new", sim_now), "replace": True})
        await admin_sync(session, cluster.urls[0])
        assert await mirror(cluster) == new


async def test_sigterm_closes_websockets_with_1001_and_a_sync_finishes_or_rolls_back(
    cluster_factory: ClusterFactory,
    browsers: list[aiohttp.ClientSession],
) -> None:
    cluster = cluster_factory(2)
    sim_now = float(cluster.sim_state()["now"])
    organizer = await login(cluster, "zhangsan")
    browsers.append(organizer)
    origin = {"Origin": cluster.urls[0]}
    resp = await organizer.post(
        cluster.urls[0] + "/api/meetings", json={"title": "t"}, headers=origin
    )
    assert resp.status == 201, await resp.text()
    number = (await resp.json())["number"]
    ws = await organizer.ws_connect(
        cluster.urls[1].replace("http", "ws") + f"/ws/meetings/{number}", headers=origin
    )
    await frame_of(ws, "hello")

    async with aiohttp.ClientSession() as session:
        cluster.sim_post("/_sim/rooms", {"rooms": rooms(range(1, 151), "old", sim_now)})
        await admin_sync(session, cluster.urls[0])
        before = await mirror(cluster)
        new_rooms = rooms(range(51, 201), "new", sim_now)
        after = {r["roomid"]: r["name"] for r in new_rooms}
        cluster.sim_post("/_sim/rooms", {"rooms": new_rooms, "replace": True})
        # Page 2 hangs past the client's 10 s timeout; the retry lands inside the stop grace.
        cluster.sim_post("/_sim/faults", {"getliveinfo": {"delay": 60, "skip": 1}})
        pending = asyncio.ensure_future(
            session.post(cluster.urls[1] + "/api/admin/live/sync", headers=ADMIN)
        )
        await wait_leader(session, cluster.urls[1])

        cluster.hubs[1].signal(signal.SIGTERM)
        msg = await ws.receive(timeout=15)
        while msg.type is aiohttp.WSMsgType.TEXT:  # presence frames may still be on their way
            msg = await ws.receive(timeout=15)
        assert msg.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 1001
        code = await asyncio.to_thread(cluster.hubs[1].popen.wait, 30)  # type: ignore[union-attr]
        assert code == 0, cluster.hubs[1].tail()
        try:
            resp = await pending
            finished = resp.status == 200 and (await resp.json())["ok"]
        except aiohttp.ClientError:
            finished = False  # the connection closed with the process
        # Finished or rolled back, never half-done.
        assert await mirror(cluster) == (after if finished else before)
        # The lock is free (released, or expired within one TTL if the stop cut the sync off).
        await admin_sync(session, cluster.urls[0])
        assert await mirror(cluster) == after
