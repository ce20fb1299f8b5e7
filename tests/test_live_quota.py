"""The daily budget: shared counter per Beijing day, interval planning, and the 45009 halt."""

from __future__ import annotations

from typing import Any

import pytest

from hub.cache import Cache
from hub.clock import Clock
from hub.live.quota import Quota, plan_interval, replay_allowance
from hub.storage import sync_runs as runs_store
from tests.fixtures_live import ADMIN, MakeHub
from tests.fixtures_sim import Sim

DAY = 86400.0


def test_interval_is_the_setting_while_calls_are_plenty() -> None:
    assert plan_interval(base=60, left=100_000, calls_per_sync=13, seconds_left=DAY) == 60


def test_interval_stretches_so_the_budget_lasts_the_day() -> None:
    # 130 calls left for 10 hours at 13 calls a sync: 10 syncs, one an hour.
    assert plan_interval(base=60, left=130, calls_per_sync=13, seconds_left=36000) == 3600
    # 100 pages a sync, 500 calls for the whole day: five syncs, every 4.8 hours.
    assert plan_interval(base=60, left=500, calls_per_sync=100, seconds_left=DAY) == DAY / 5


def test_interval_never_exceeds_an_hour_while_hourly_listings_fit() -> None:
    assert plan_interval(base=7200, left=500, calls_per_sync=13, seconds_left=DAY) == 3600
    assert plan_interval(base=7200, left=200, calls_per_sync=13, seconds_left=DAY) == 7200


def test_without_a_full_listing_left_the_next_run_is_tomorrow() -> None:
    assert plan_interval(base=60, left=12, calls_per_sync=13, seconds_left=5000) == 5001


def test_replays_never_eat_the_hourly_listings() -> None:
    # 24 hourly listings of 13 pages need 312 calls; the other 188 may go to replays.
    assert replay_allowance(left=500, pages=13, seconds_left=DAY) == 188
    # Hourly listings do not fit anyway: replays get a tenth of what is beyond one listing.
    assert replay_allowance(left=500, pages=100, seconds_left=DAY) == 40
    assert replay_allowance(left=50, pages=100, seconds_left=DAY) == 0


async def test_counter_is_per_beijing_day_and_shared(cache: Cache) -> None:
    clock = Clock()
    quota, other = Quota(cache, clock, 3), Quota(cache, clock, 3)
    assert await quota.reserve("list") and await other.reserve("replay")
    await quota.settle("replay", 2)  # a retry sent two requests for one reservation
    usage = await other.usage()
    assert (usage.used, usage.list_calls, usage.replay_calls, usage.left) == (3, 1, 2, 0)
    assert not await quota.reserve("list")
    clock.advance(clock.seconds_to_beijing_midnight() + 1)
    assert (await quota.usage()).used == 0 and await quota.reserve("list")


async def test_halt_lasts_until_the_next_beijing_day(cache: Cache) -> None:
    clock = Clock()
    quota = Quota(cache, clock, 500)
    await quota.halt()
    assert await quota.halted() and not await quota.reserve("list")
    assert (await quota.usage()).left == 0
    clock.advance(clock.seconds_to_beijing_midnight() + 1)
    assert not await quota.halted() and await quota.reserve("list")


def upcoming(roomid: int, now: float) -> dict[str, Any]:
    """A room that has not started."""
    start = int(now) + 3600
    return {"roomid": roomid, "live_status": 102, "start_time": start, "end_time": start + 7200}


async def test_45009_halts_calls_until_the_next_beijing_day(sim: Sim, make_hub: MakeHub) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now) for i in range(1, 151)])  # two pages
    await sim.post("/_sim/reset", {"daily_quota": 3})
    hub = await make_hub()
    ok = await hub.live.sync("test")
    assert ok is not None and ok.ok and await sim.list_calls() == 2
    mirrored = await hub.rooms()
    failed = await hub.live.sync("test")  # page 1 is the 3rd call; page 2 answers 45009
    assert failed is not None and not failed.ok and failed.error
    assert failed.error.startswith("errcode=45009")
    assert await sim.list_calls() == 4
    for _ in range(3):  # halted: no call at all, whoever asks
        halted = await hub.live.sync("test")
        assert halted is not None and not halted.ok and halted.list_calls == 0
    resp = await hub.client.get("/live/syncRoomList", headers=ADMIN)
    assert (await resp.json())["code"] == 0
    assert await sim.list_calls() == 4
    assert await hub.rooms() == mirrored
    status = await (await hub.client.get("/api/admin/live/status", headers=ADMIN)).json()
    assert status["quota"]["halted"] and status["halted_until"]
    assert status["next_run_at"] >= status["halted_until"]
    # The next Beijing day, on both clocks: calls resume.
    await hub.advance(sim, hub.clock.seconds_to_beijing_midnight() + 5)
    resumed = await hub.live.sync("test")
    assert resumed is not None and resumed.ok, resumed
    assert await sim.list_calls() == 6
    runs = await runs_store.last_runs(hub.db, 20)
    assert [r.ok for r in reversed(runs)] == [True, False, False, False, False, False, True]


@pytest.mark.parametrize("quota", [30])
async def test_next_run_is_planned_from_what_is_left(
    sim: Sim, make_hub: MakeHub, quota: int
) -> None:
    now = await sim.now()
    await sim.rooms([upcoming(i, now) for i in range(1, 151)])
    hub = await make_hub(live_daily_quota=quota)
    await hub.live.sync("test")
    at = await hub.live.next_run_at()
    assert at is not None
    seconds_left = hub.clock.seconds_to_beijing_midnight()
    expected = plan_interval(base=60, left=quota - 2, calls_per_sync=2, seconds_left=seconds_left)
    assert at - hub.clock.time() == pytest.approx(expected, abs=5)
    assert not await hub.live.due()
