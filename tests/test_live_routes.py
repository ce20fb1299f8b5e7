"""The mini-program and API routes of the live mirror: shape, order, validation, admin checks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.events import EVENTS
from tests.fixtures_live import ADMIN, Hub, MakeHub
from tests.fixtures_sim import Sim
from tests.servers import Redis, have_redis

ROOM_FIELDS = {
    "roomid", "name", "cover_img", "share_img", "live_status", "start_time", "end_time",
    "anchor_name", "anchor_img", "goods", "live_replay", "is_top", "close_like", "close_goods",
    "close_comment", "close_kf", "close_replay", "live_type",
}  # fmt: skip


def room(roomid: int, start: int, status: int = 102, **fields: Any) -> dict[str, Any]:
    """A room starting at `start` (ended rooms get close_replay so no replay is asked)."""
    base = {"roomid": roomid, "live_status": status, "start_time": start, "end_time": start + 60}
    return {**base, "close_replay": 1 if status == 103 else 0, "name": f"room {roomid}", **fields}


@pytest.fixture
async def hub(sim: Sim, make_hub: MakeHub) -> Hub:
    """A hub mirroring five rooms: start times 1000..5000, one of them with goods."""
    now = int(await sim.now())
    goods = [{"name": "茶", "price": 1100, "goods_id": 7}]
    await sim.rooms(
        [
            room(1, now - 5000, 103),
            room(2, now - 4000, 101, goods=goods),
            room(3, now + 3000),
            room(4, now + 4000),
            room(5, now - 1000, 101),
        ]
    )
    h: Hub = await make_hub(default_anchor_img="/static/img/anchor.png")
    run = await h.live.sync("test")
    assert run is not None and run.ok
    return h


async def get_list(hub: Hub, **params: str) -> dict[str, Any]:
    resp = await hub.client.get("/live/getRoomList", params=params)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_room_list_has_the_egg_shape_newest_first(hub: Hub) -> None:
    body = await get_list(hub, pageNum="1", pageSize="2")
    assert (body["total_count"], body["page_size"], body["cur_page"]) == (5, 2, 1)
    assert [r["roomid"] for r in body["data"]] == [4, 3]
    first = body["data"][0]
    assert set(first) >= ROOM_FIELDS
    assert first["anchor_img"] == "/static/img/anchor.png"  # WeChat sends none
    assert first["goods"] == [] and first["live_replay"] == [] and first["is_top"] == 0
    page3 = await get_list(hub, pageNum="3", pageSize="2")
    assert [r["roomid"] for r in page3["data"]] == [1]
    with_goods = next(r for r in (await get_list(hub))["data"] if r["roomid"] == 2)
    assert isinstance(with_goods["goods"], list) and with_goods["goods"][0]["goods_id"] == 7
    past_end = await get_list(hub, pageNum="9", pageSize="10")
    assert past_end["data"] == [] and past_end["total_count"] == 5


async def test_live_status_filter(hub: Hub) -> None:
    body = await get_list(hub, live_status="101,102")
    assert [r["roomid"] for r in body["data"]] == [4, 3, 5, 2]
    assert body["total_count"] == 4
    api = await (await hub.client.get("/api/live/rooms", params={"status": "103"})).json()
    assert (api["total"], [r["roomid"] for r in api["rooms"]]) == (1, [1])


@pytest.mark.parametrize("name", ["pageNum", "pageSize"])
@pytest.mark.parametrize("value", ["0", "-1", "10000", "abc", "1.5", ""])
async def test_bad_paging_is_a_400_json_error(hub: Hub, name: str, value: str) -> None:
    resp = await hub.client.get("/live/getRoomList", params={name: value})
    if value == "":  # an empty value means the default
        assert resp.status == 200
        return
    assert resp.status == 400
    body = await resp.json()
    assert body["error"]["code"] == "bad_request" and name in body["error"]["message"]


@pytest.mark.parametrize("params", [{"live_status": "100"}, {"live_status": "abc,101"}])
async def test_bad_status_filter_is_a_400(hub: Hub, params: dict[str, str]) -> None:
    resp = await hub.client.get("/live/getRoomList", params=params)
    assert resp.status == 400 and "error" in await resp.json()


async def test_pin_lists_a_room_first_at_once(hub: Hub) -> None:
    assert (await get_list(hub))["data"][0]["roomid"] == 4  # cached now
    resp = await hub.client.put("/api/admin/live/rooms/1/pin", json={"is_top": 1}, headers=ADMIN)
    assert resp.status == 200 and (await resp.json())["is_top"] == 1
    data = (await get_list(hub))["data"]
    assert [r["roomid"] for r in data] == [1, 4, 3, 5, 2] and data[0]["is_top"] == 1
    resp = await hub.client.put("/api/admin/live/rooms/1/pin", json={"is_top": 0}, headers=ADMIN)
    assert resp.status == 200
    assert (await get_list(hub))["data"][0]["roomid"] == 4
    # A sync keeps the pin (it is ours, not WeChat's).
    await hub.client.put("/api/admin/live/rooms/3/pin", json={"is_top": 1}, headers=ADMIN)
    await hub.live.sync("test")
    assert (await get_list(hub))["data"][0]["roomid"] == 3


@pytest.mark.redis
async def test_pin_is_committed_and_answered_while_redis_is_down(
    sim: Sim, hub_factory: MakeHub
) -> None:
    if not have_redis():
        pytest.skip("Redis is not installed; run scripts/test")
    server = Redis().start()  # this test's own: it stops it
    try:
        now = int(await sim.now())
        await sim.rooms([room(1, now - 5000, 103), room(4, now + 4000)])
        h = await hub_factory(redis_url=server.url())
        run = await h.live.sync("test")
        assert run is not None and run.ok
        assert [r["roomid"] for r in (await get_list(h))["data"]] == [4, 1]

        await asyncio.to_thread(server.stop)
        resp = await h.client.put("/api/admin/live/rooms/1/pin", json={"is_top": 1}, headers=ADMIN)
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["is_top"] == 1
        assert h.app[EVENTS].queued == 1  # the dashboards' hint waits for the broker

        await asyncio.to_thread(server.start)
        for _ in range(200):
            if h.app[EVENTS].queued == 0:
                break
            await asyncio.sleep(0.05)
        assert h.app[EVENTS].queued == 0
        assert [r["roomid"] for r in (await get_list(h))["data"]] == [1, 4]
    finally:
        await asyncio.to_thread(server.destroy)


async def test_list_is_fresh_after_a_sync(hub: Hub, sim: Sim) -> None:
    assert (await get_list(hub))["total_count"] == 5  # cached now
    await sim.post("/_sim/rooms", {"rooms": [{"roomid": 4, "name": "新名字"}]})
    resp = await hub.client.get("/live/syncRoomList", headers=ADMIN)
    assert await resp.json() == {"code": 1, "msg": "同步直播间列表成功"}
    data = (await get_list(hub))["data"]
    assert data[0]["name"] == "新名字"


@pytest.mark.parametrize(
    "body", [{"is_top": 2}, {"is_top": "1"}, {}, {"is_top": None}], ids=["2", "str", "none", "null"]
)
async def test_bad_pin_is_a_400(hub: Hub, body: dict[str, Any]) -> None:
    resp = await hub.client.put("/api/admin/live/rooms/1/pin", json=body, headers=ADMIN)
    assert resp.status == 400


async def test_unknown_rooms_are_404(hub: Hub) -> None:
    for method, path in [
        ("GET", "/api/live/rooms/999"),
        ("GET", "/api/live/rooms/abc"),
        ("PUT", "/api/admin/live/rooms/999/pin"),
    ]:
        resp = await hub.client.request(method, path, json={"is_top": 1}, headers=ADMIN)
        assert resp.status == 404, path
        assert (await resp.json())["error"]["code"] == "not_found"
    room2 = await (await hub.client.get("/api/live/rooms/2")).json()
    assert room2["roomid"] == 2 and room2["live_status"] == 101


ADMIN_ROUTES = [
    ("GET", "/live/syncRoomList"),
    ("GET", "/live/syncLiveReplay?roomId=1"),
    ("POST", "/api/admin/live/sync"),
    ("POST", "/api/admin/live/rooms/1/replay"),
    ("PUT", "/api/admin/live/rooms/1/pin"),
    ("GET", "/api/admin/live/status"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_admin_routes_refuse_anonymous_and_wrong_tokens(
    hub: Hub, sim: Sim, method: str, path: str
) -> None:
    before = await sim.list_calls() + await sim.replay_calls()
    resp = await hub.client.request(method, path, json={"is_top": 1})
    assert resp.status == 401 and (await resp.json())["error"]["code"] == "unauthorized"
    wrong = {"Authorization": "Bearer not-the-admin-token-at-all"}
    resp = await hub.client.request(method, path, json={"is_top": 1}, headers=wrong)
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "forbidden"
    assert await sim.list_calls() + await sim.replay_calls() == before  # no quota burnt


async def test_status_shows_runs_quota_and_token_expiry_never_tokens(hub: Hub) -> None:
    resp = await hub.client.post("/api/admin/live/sync", headers=ADMIN)
    body = await resp.json()
    assert resp.status == 200 and body["ok"] and body["run"]["seen"] == 5
    resp = await hub.client.get("/api/admin/live/status", headers=ADMIN)
    status = await resp.json()
    assert status["rooms"] == 5 and len(status["runs"]) == 2
    quota = status["quota"]
    assert quota["budget"] == 500 and quota["used"] == quota["list_calls"] == 2
    assert quota["left"] == 498 and quota["replay_calls"] == 0 and not quota["halted"]
    assert status["next_run_at"] and status["halted_until"] is None
    assert status["last_ok_run"]["ok"] is True
    tokens = status["tokens"]["miniprogram"]
    assert tokens["expires_at"]
    assert "access_token" not in (await resp.text())


@pytest.mark.redis
async def test_room_list_is_served_from_storage_while_redis_is_down(
    sim: Sim, hub_factory: MakeHub
) -> None:
    if not have_redis():
        pytest.skip("Redis is not installed; run scripts/test")
    server = Redis().start()  # this test's own: it stops it
    try:
        now = int(await sim.now())
        await sim.rooms([room(1, now - 5000, 103), room(4, now + 4000), room(5, now - 1000, 101)])
        h = await hub_factory(redis_url=server.url())
        run = await h.live.sync("test")
        assert run is not None and run.ok
        cached = await get_list(h)
        assert [r["roomid"] for r in cached["data"]] == [4, 5, 1]

        await asyncio.to_thread(server.stop)
        # Every room is in storage: the mini-program's list and the API answer 200 throughout.
        for _ in range(3):
            assert await get_list(h) == cached
            assert (await get_list(h, live_status="103"))["total_count"] == 1
            resp = await h.client.get("/api/live/rooms", params={"page_size": "2"})
            assert resp.status == 200
            assert [r["roomid"] for r in (await resp.json())["rooms"]] == [4, 5]
        # A pin committed meanwhile shows within the short per-process keep (a few seconds).
        resp = await h.client.put("/api/admin/live/rooms/1/pin", json={"is_top": 1}, headers=ADMIN)
        assert resp.status == 200
        for _ in range(100):
            if (await get_list(h))["data"][0]["roomid"] == 1:
                break
            await asyncio.sleep(0.1)
        assert (await get_list(h))["data"][0]["roomid"] == 1
        # /readyz stays honest: the cache is down, and it says so.
        resp = await h.client.get("/readyz")
        assert resp.status == 503 and (await resp.json())["failed"] == ["cache"]

        await asyncio.to_thread(server.start)
        # Ready again once the client has reconnected (its pooled connection died with the
        # server; on a busy machine that takes a moment).
        for _ in range(100):
            resp = await h.client.get("/readyz")
            if resp.status == 200:
                break
            await asyncio.sleep(0.1)
        assert resp.status == 200
        # Back on the shared cache, the pin made during the outage still shows.
        assert [r["roomid"] for r in (await get_list(h))["data"]] == [1, 4, 5]
    finally:
        await asyncio.to_thread(server.destroy)
