"""WeChat misbehaving during a sync (busy -1, timeouts, slow, mixed): no room is deleted wrongly.

The live tests cover 9410001, HTTP 500 and dropped connections on a late page; these add the
failures that are retried (-1, a timeout) and answers that are merely slow, and check the mirror
is always exactly one complete listing: the old one after a failure, the new one after a success.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures_live import Hub, MakeHub
from tests.fixtures_sim import Sim

OLD = range(1, 181)  # two pages of 100
NEW = range(31, 211)  # thirty gone (some on each page), thirty new, the rest renamed


def room(roomid: int, now: float, name: str) -> dict[str, Any]:
    """A room that has not started (no replay is ever asked for it)."""
    start = int(now) + 3600 + roomid  # distinct start times: a stable page order
    return {
        "roomid": roomid,
        "name": name,
        "live_status": 102,
        "start_time": start,
        "end_time": start + 7200,
    }


async def mirror(hub: Hub) -> dict[int, str]:
    """roomid -> name of every mirrored room."""
    return {r[0]: r[1] for r in await hub.rooms()}


async def prepared(sim: Sim, hub_factory: MakeHub) -> tuple[Hub, dict[int, str], dict[int, str]]:
    """A hub that mirrored OLD, with WeChat now listing NEW; returns both expected mirrors."""
    now = await sim.now()
    await sim.rooms([room(i, now, f"old {i}") for i in OLD])
    hub: Hub = await hub_factory()
    first = await hub.live.sync("test")
    assert first is not None and first.ok
    old = {i: f"old {i}" for i in OLD}
    assert await mirror(hub) == old
    await sim.rooms([room(i, now, f"new {i}") for i in NEW])
    return hub, old, {i: f"new {i}" for i in NEW}


@pytest.mark.parametrize(
    ("fault", "ok"),
    [
        ({"errcode": -1, "times": 4}, False),  # busy on every retry of page 2: give up
        ({"errcode": -1, "times": 2}, True),  # busy twice, then answered: complete
        ({"status": 503, "times": 2}, True),
        ({"drop": True, "times": 1}, True),
        ({"delay": 0.5, "times": 2}, True),  # slow answers are just slow
        ({"errcode": 45009}, False),  # quota gone mid-listing
        ({"errcode": 40001, "times": 2}, False),  # the token refused even after one refresh
        ({"errcode": 9410000}, True),  # "no more rooms" past page 1 ends the listing
    ],
    ids=["busy-4x", "busy-2x", "http503-2x", "dropped", "slow", "45009", "40001-2x", "9410000"],
)
async def test_a_fault_on_page_2_leaves_one_complete_listing(
    sim: Sim, hub_factory: MakeHub, fault: dict[str, Any], ok: bool
) -> None:
    hub, old, new = await prepared(sim, hub_factory)
    await sim.fault("getliveinfo", skip=1, **fault)
    run = await hub.live.sync("test")
    assert run is not None
    assert run.ok is ok, run
    got = await mirror(hub)
    if fault.get("errcode") == 9410000:
        # WeChat said page 2 is empty: the listing is page 1 of NEW, and only that.
        page_one = dict(sorted(new.items(), key=lambda kv: -kv[0])[:100])
        assert got == page_one
    else:
        assert got == (new if ok else old)
    if not ok:
        assert (run.upserted, run.deleted) == (0, 0)
        assert run.error
        # The next clean sync brings the new listing, whole.
        await sim.post("/_sim/reset", {})
        if fault.get("errcode") == 45009:
            # 45009 stops calls until the next Beijing day: go there.
            await hub.advance(sim, hub.clock.seconds_to_beijing_midnight() + 1)
        await sim.rooms([room(i, await sim.now(), f"new {i}") for i in NEW])
        again = await hub.live.sync("test")
        assert again is not None and again.ok, again
        assert await mirror(hub) == new


@pytest.mark.slow
async def test_a_timeout_is_retried_and_the_listing_stays_whole(
    sim: Sim, hub_factory: MakeHub
) -> None:
    hub, _, new = await prepared(sim, hub_factory)
    # One answer later than the client's 10 s limit: that attempt times out, the retry lands.
    await sim.fault("getliveinfo", skip=1, delay=11, times=1)
    run = await hub.live.sync("test")
    assert run is not None and run.ok, run
    assert await mirror(hub) == new


async def test_faults_across_many_syncs_never_lose_a_listed_room(
    sim: Sim, hub_factory: MakeHub
) -> None:
    hub, old, new = await prepared(sim, hub_factory)
    listings = [old]
    faults: list[dict[str, Any]] = [
        {"errcode": 9410001, "skip": 1},
        {"status": 500, "times": 4, "skip": 1},
        {"errcode": -1, "times": 4},
        {"delay": 0.2, "times": 2},
    ]
    for fault in faults:
        await sim.post("/_sim/faults", {"getliveinfo": fault})
        run = await hub.live.sync("test")
        assert run is not None
        if run.ok:
            listings.append(new)
        got = await mirror(hub)
        # Always exactly the last complete listing: never a room missing from it, never a mix.
        assert got == listings[-1], (fault, run)
    assert listings[-1] == new
