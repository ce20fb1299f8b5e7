"""Two hub instances sharing Redis and MariaDB never sync at the same time."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hub.storage import open_database
from hub.storage import sync_runs as runs_store
from tests.fixtures_live import MakeHub
from tests.fixtures_sim import Sim


def upcoming(roomid: int, now: float) -> dict[str, Any]:
    """A room that has not started."""
    start = int(now) + 3600
    return {"roomid": roomid, "live_status": 102, "start_time": start, "end_time": start + 7200}


async def test_two_instances_trying_at_once_sync_once(
    sim: Sim, hub_factory: MakeHub, mysql_url: str, redis_url: str
) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now) for i in range(1, 251)])  # three pages
    # Slow answers keep the first sync inside its lock while the other one tries.
    await sim.fault("getliveinfo", delay=0.3, times=3)
    a = await hub_factory(database_url=mysql_url, redis_url=redis_url)
    b = await hub_factory(database_url=mysql_url, redis_url=redis_url)
    results = await asyncio.gather(
        a.live.sync("a"), b.live.sync("b"), a.live.sync("a"), return_exceptions=True
    )
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["SyncBusy", "SyncBusy", "SyncRun"], results
    assert await sim.list_calls() == 3
    assert len(await runs_store.last_runs(a.db, 10)) == 1
    # The admin route of the other instance says so while a sync runs.
    await sim.fault("getliveinfo", delay=0.5, times=1)
    running = asyncio.create_task(a.live.sync("a"))
    await asyncio.sleep(0.2)
    resp = await b.client.post(
        "/api/admin/live/sync", headers={"Authorization": "Bearer test-admin-token-0123456789"}
    )
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "sync_in_progress"
    done = await running
    assert done is not None and done.ok


async def test_two_looping_instances_take_turns(
    sim: Sim, hub_factory: MakeHub, mysql_url: str, redis_url: str
) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now) for i in range(1, 151)])  # two pages
    settings: dict[str, Any] = {
        "database_url": mysql_url,
        "redis_url": redis_url,
        "live_sync_enabled": True,
        "live_sync_interval": 0.1,
        "live_daily_quota": 10_000_000,
    }
    a = await hub_factory(**settings)
    b = await hub_factory(**settings)
    runs: list[runs_store.SyncRun] = []
    for _ in range(200):
        runs = await runs_store.last_runs(a.db, 100)
        if len(runs) >= 8:
            break
        await asyncio.sleep(0.05)
    await a.client.close()
    await b.client.close()
    db = await open_database(mysql_url)
    try:
        runs = sorted(await runs_store.last_runs(db, 1000), key=lambda r: r.started_at)
    finally:
        await db.close()
    assert len(runs) >= 8 and all(r.ok for r in runs)
    for before, after in itertools.pairwise(runs):
        assert after.started_at >= before.finished_at, "two syncs overlapped"
    assert await sim.list_calls() == sum(r.list_calls for r in runs) == 2 * len(runs)
