"""Replays: asked once per ended room, with backoff while WeChat has none, again after expiry."""

from __future__ import annotations

from typing import Any

from tests.fixtures_live import ADMIN, MakeHub
from tests.fixtures_sim import Sim


def ended(roomid: int, start: float, end: float, **fields: Any) -> dict[str, Any]:
    """An ended room (live_status 103) with the replay open."""
    room = {"roomid": roomid, "live_status": 103, "start_time": int(start), "end_time": int(end)}
    return {**room, "close_replay": 0, **fields}


async def replay_of(hub: Any, roomid: int) -> list[dict[str, Any]]:
    """The replay segments the mini-program sees for a room."""
    resp = await hub.client.get("/live/getRoomList", params={"pageSize": "100"})
    assert resp.status == 200
    rooms = {r["roomid"]: r for r in (await resp.json())["data"]}
    segments: list[dict[str, Any]] = rooms[roomid]["live_replay"]
    return segments


async def test_replay_not_ready_is_asked_again_later_but_not_every_cycle(
    sim: Sim, make_hub: MakeHub
) -> None:
    now = await sim.now()
    # Ended early: WeChat's replay appears 600 s after the scheduled end, 900 s from now.
    await sim.rooms([ended(7, now - 3600, now + 300)])
    hub = await make_hub()
    calls = []
    for advance in (0, 0, 130, 0, 0, 310, 0, 610, 0, 0):
        await hub.advance(sim, advance)
        run = await hub.live.sync("test")
        assert run is not None and run.ok, run
        calls.append(await sim.replay_calls())
    # Asked at once, then after the 2-minute and 5-minute backoffs, then when ready: 4 calls
    # over 10 syncs, none of them twice in a row while nothing was due.
    assert calls == [1, 1, 2, 2, 2, 3, 3, 4, 4, 4]
    segments = await replay_of(hub, 7)
    assert segments and all(s["media_url"] for s in segments)


async def test_room_with_replay_closed_is_never_asked(sim: Sim, make_hub: MakeHub) -> None:
    now = await sim.now()
    await sim.rooms([ended(8, now - 9000, now - 7200, close_replay=1)])
    hub = await make_hub()
    for _ in range(3):
        await hub.live.sync("test")
    assert await sim.replay_calls() == 0
    assert await replay_of(hub, 8) == []


async def test_expired_replay_url_is_refreshed(sim: Sim, make_hub: MakeHub) -> None:
    now = await sim.now()
    await sim.rooms([ended(9, now - 10800, now - 7200)])
    hub = await make_hub()
    await hub.live.sync("test")
    first = await replay_of(hub, 9)
    assert first and await sim.replay_calls() == 1
    await hub.live.sync("test")
    assert await sim.replay_calls() == 1  # still valid: not asked again
    # Past expire_time (the simulator's URLs live 3 days): the next sync fetches new URLs.
    await hub.advance(sim, 3 * 86400 + 60)
    run = await hub.live.sync("test")
    assert run is not None and run.ok, run
    assert await sim.replay_calls() == 2
    second = await replay_of(hub, 9)
    assert second and second[0]["media_url"] != first[0]["media_url"]
    assert second[0]["expire_time"] > first[0]["expire_time"]
    async with sim.session.get(second[0]["media_url"]) as resp:
        assert resp.status == 200


async def test_admin_replay_routes_fetch_now(sim: Sim, make_hub: MakeHub) -> None:
    now = await sim.now()
    await sim.rooms([ended(10, now - 10800, now - 7200, close_replay=1)])
    hub = await make_hub()
    await hub.live.sync("test")
    resp = await hub.client.get("/live/syncLiveReplay", params={"roomId": "10"}, headers=ADMIN)
    body = await resp.json()
    # close_replay rooms have none; the egg.js answer shape either way.
    assert resp.status == 200 and body == {"code": 1, "msg": "success", "data": []}
    await sim.post("/_sim/rooms", {"rooms": [{"roomid": 10, "close_replay": 0}]})
    resp = await hub.client.post("/api/admin/live/rooms/10/replay", headers=ADMIN)
    assert resp.status == 200
    room = await resp.json()
    assert room["roomid"] == 10 and room["live_replay"] and room["replay_expires_at"]
    resp = await hub.client.post("/api/admin/live/rooms/999/replay", headers=ADMIN)
    assert resp.status == 404
    resp = await hub.client.get("/live/syncLiveReplay", params={"roomId": "abc"}, headers=ADMIN)
    assert resp.status == 400 and "error" in await resp.json()
