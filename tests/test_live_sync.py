"""The live sync against the simulator over real HTTP, on SQLite and on MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from hub.keys import CACHE
from hub.live.cli import report, sync_once
from hub.settings import Settings
from hub.storage import sync_runs as runs_store
from tests.fixtures_live import MakeHub, sim_settings
from tests.fixtures_sim import Sim


def upcoming(roomid: int, now: float, **fields: Any) -> dict[str, Any]:
    """A room that has not started (so no replay is ever asked for it)."""
    start = int(now) + 3600
    room = {"roomid": roomid, "live_status": 102, "start_time": start, "end_time": start + 7200}
    return {**room, **fields}


async def test_1234_rooms_are_mirrored_with_13_list_calls(sim: Sim, make_hub: MakeHub) -> None:
    await sim.generate(1234)
    hub = await make_hub()
    run = await hub.live.sync("test")
    assert run is not None and run.ok, run
    assert await sim.list_calls() == 13
    assert (run.pages, run.seen, run.upserted, run.deleted, run.list_calls) == (
        13,
        1234,
        1234,
        0,
        13,
    )
    wechat = {r["roomid"]: r for r in (await sim.state())["rooms"]}
    mirrored = await hub.rooms()
    assert [r[0] for r in mirrored] == sorted(wechat)
    for roomid, name, status, _goods in mirrored[::97]:
        assert (name, status) == (wechat[roomid]["name"], wechat[roomid]["live_status"])
    resp = await hub.client.get("/api/live/rooms", params={"page_size": "100"})
    assert (await resp.json())["total"] == 1234


async def test_removed_rooms_disappear_and_changed_rooms_update(
    sim: Sim, make_hub: MakeHub
) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now, name=f"room {i}") for i in (11, 12, 13)])
    hub = await make_hub()
    first = await hub.live.sync("test")
    assert first is not None and first.ok and first.upserted == 3
    await sim.post(
        "/_sim/rooms", {"rooms": [{"roomid": 12, "name": "renamed", "live_status": 101}]}
    )
    async with sim.session.delete(sim.url + "/_sim/rooms/13") as resp:
        assert resp.status == 200
    second = await hub.live.sync("test")
    assert second is not None and second.ok
    assert (second.upserted, second.deleted) == (1, 1)
    assert [(r[0], r[1], r[2]) for r in await hub.rooms()] == [
        (11, "room 11", 102),
        (12, "renamed", 101),
    ]
    # Nothing changed in WeChat: nothing is written.
    before = hub.db.statements
    third = await hub.live.sync("test")
    assert third is not None and third.ok and (third.upserted, third.deleted) == (0, 0)
    assert hub.db.statements - before <= 8  # reads and the run record, never a write per room


@pytest.mark.parametrize(
    "fault",
    [{"errcode": 9410001}, {"status": 500}, {"drop": True}],
    ids=["9410001", "http500", "dropped"],
)
async def test_failure_on_page_7_changes_nothing(
    sim: Sim, make_hub: MakeHub, fault: dict[str, Any]
) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now, name=f"old {i}") for i in range(1, 751)])
    hub = await make_hub()
    first = await hub.live.sync("test")
    assert first is not None and first.ok and first.seen == 750
    before = await hub.rooms()
    # WeChat now lists other rooms: half renamed, a hundred gone, fifty new.
    changed = [upcoming(i, now, name=f"new {i}") for i in range(101, 801)]
    await sim.rooms(changed)
    await sim.fault("getliveinfo", skip=6, times=10, **fault)
    failed = await hub.live.sync("test")
    assert failed is not None and not failed.ok
    assert failed.pages == 6 and failed.upserted == 0 and failed.deleted == 0
    assert failed.error and failed.error.startswith("errcode=")
    assert await hub.rooms() == before
    runs = await runs_store.last_runs(hub.db)
    assert [r.ok for r in runs] == [False, True]


async def test_account_without_rooms_empties_the_mirror(sim: Sim, make_hub: MakeHub) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now) for i in (1, 2, 3)])
    hub = await make_hub()
    first = await hub.live.sync("test")
    assert first is not None and first.ok
    await sim.rooms([])
    run = await hub.live.sync("test")
    assert run is not None and run.ok and (run.seen, run.deleted) == (0, 3)
    assert await hub.rooms() == []
    assert (await sim.state())["errcodes"].get("9410000") == 1


async def test_sync_publishes_a_live_event(sim: Sim, make_hub: MakeHub) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(5, now)])
    hub = await make_hub()
    got: list[str] = []

    async def handler(message: str) -> None:
        got.append(message)

    sub = await hub.app[CACHE].subscribe("live", handler)
    try:
        run = await hub.live.sync("test")
        assert run is not None and run.ok
        for _ in range(100):
            if got:
                break
            await asyncio.sleep(0.02)
    finally:
        await sub.close()
    assert got and '"type":"live"' in got[0] and '"synced"' in got[0]


async def test_cli_sync_prints_what_it_did(
    sim: Sim, make_settings: Callable[..., Settings], db_url: str
) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now) for i in (1, 2, 3)])
    run, usage = await sync_once(sim_settings(make_settings, sim, database_url=db_url))
    text = report(run, usage)
    assert text.startswith("sync ok")
    assert "pages 1, rooms 3, upserted 3, deleted 0, replays 0" in text
    assert "used 1 (list 1, replay 0), left 499 of 500" in text
