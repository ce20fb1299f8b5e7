"""hub as a drop-in for the egg.js live service: its room list, field for field (egg-compat)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hub.clock import BEIJING
from hub.settings import Settings
from hub.storage import open_database
from hub.storage.migrations import MIGRATIONS_DIR, migrate
from hub.storage.rooms import get_room, list_rooms
from tests.conftest import ADMIN_TOKEN, SECRET_KEY
from tests.fixtures_live import ADMIN, Hub, MakeHub
from tests.fixtures_sim import Sim

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "egg_roomlist.json").read_text())
EGG_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
PUBLIC_URL = "https://hub.example.com"


def parsed_anchor_default() -> str:
    """HUB_DEFAULT_ANCHOR_IMG as a deployment gets it when the variable is unset."""
    env = {
        "HUB_PUBLIC_URL": PUBLIC_URL,
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_ADMIN_TOKEN": ADMIN_TOKEN,
        "HUB_DEMO": "0",
    }
    return Settings.from_env(env, env_file=None).default_anchor_img


async def egg_answer(make_hub: MakeHub, sim: Sim) -> tuple[Hub, dict[str, Any], float, float]:
    """hub after one sync of the fixture's rooms, its answer to the fixture's request, and the
    hub clock before and after the sync."""
    await sim.rooms(FIXTURE["wechat"])
    hub = await make_hub(public_url=PUBLIC_URL, default_anchor_img=parsed_anchor_default())
    before = hub.clock.time()
    run = await hub.live.sync("test")
    after = hub.clock.time()
    assert run is not None and run.ok, run
    resp = await hub.client.get(FIXTURE["request"])
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = json.loads(await resp.text())  # keeps the key order
    return hub, body, before, after


def beijing(text: str) -> float:
    """egg.js's `YYYY-MM-DD HH:MM:SS` (Beijing time) as unix seconds."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).timestamp()


async def test_room_list_matches_egg_field_for_field(make_hub: MakeHub, sim: Sim) -> None:
    egg = FIXTURE["egg"]
    _, ours, before, after = await egg_answer(make_hub, sim)
    # The envelope: the same keys in the same order, the same types and values.
    assert list(ours) == list(egg)
    for key in ("total_count", "page_size", "cur_page"):
        assert type(ours[key]) is type(egg[key]) and ours[key] == egg[key], key
    # The same rooms in the same order.
    assert [r["roomid"] for r in ours["data"]] == [r["roomid"] for r in egg["data"]]
    value_free = set(FIXTURE["value_free"])
    for mine, theirs in zip(ours["data"], egg["data"], strict=True):
        where = f"room {theirs['roomid']}"
        # egg's fields first, in egg's order; hub's extra WeChat fields (share_img, ...) after.
        assert list(mine)[: len(theirs)] == list(theirs), where
        for key, value in theirs.items():
            assert type(mine[key]) is type(value), f"{where}: {key}"
            if key not in value_free:
                assert mine[key] == value, f"{where}: {key}"
        assert mine["id"] > 0
        assert mine["anchor_img"] == f"{PUBLIC_URL}/static/img/anchor.png"
        for key in ("createdAt", "updatedAt"):
            assert EGG_TIME.match(mine[key]), f"{where}: {key} {mine[key]!r}"
            # Beijing time, to the second: the sync's own time.
            assert int(before) <= beijing(mine[key]) <= after, f"{where}: {key}"
    assert len({r["id"] for r in ours["data"]}) == len(ours["data"])


async def test_ids_stay_and_updated_at_moves_with_a_change(make_hub: MakeHub, sim: Sim) -> None:
    hub, first, _, _ = await egg_answer(make_hub, sim)
    ids = {r["roomid"]: r["id"] for r in first["data"]}
    stamps = {r["roomid"]: (r["createdAt"], r["updatedAt"]) for r in first["data"]}
    # A day later WeChat renames room 6 and lists a new room 20; a pin changes room 8.
    hub.clock.advance(86400)
    renamed = [{**r, "name": "改名了"} if r["roomid"] == 6 else r for r in FIXTURE["wechat"]]
    await sim.rooms([*renamed, {**FIXTURE["wechat"][1], "roomid": 20, "start_time": 1}])
    run = await hub.live.sync("test")
    assert run is not None and run.ok
    resp = await hub.client.put("/api/admin/live/rooms/8/pin", json={"is_top": 1}, headers=ADMIN)
    assert resp.status == 200
    rooms = {
        r["roomid"]: r for r in (await (await hub.client.get("/live/getRoomList")).json())["data"]
    }
    assert {k: rooms[k]["id"] for k in ids} == ids  # a row keeps its id
    assert rooms[20]["id"] not in ids.values()
    for roomid in (6, 8):  # changed: created stays, updated moves a day on
        created, updated = stamps[roomid]
        assert rooms[roomid]["createdAt"] == created
        assert beijing(rooms[roomid]["updatedAt"]) >= beijing(updated) + 86400
    for roomid in (3, 12):  # untouched
        assert (rooms[roomid]["createdAt"], rooms[roomid]["updatedAt"]) == stamps[roomid]
    assert beijing(rooms[20]["createdAt"]) >= beijing(stamps[6][0]) + 86400


@pytest.mark.parametrize("path", ["/live/getRoomList/", "/live/getRoomList/?pageNum=1&pageSize=2"])
async def test_trailing_slash_is_served(make_hub: MakeHub, sim: Sim, path: str) -> None:
    hub, _, _, _ = await egg_answer(make_hub, sim)
    resp = await hub.client.get(path)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["total_count"] == 4 and body["data"][0]["roomid"] == 8


async def test_48001_carries_the_tutorials_message(make_hub: MakeHub, sim: Sim) -> None:
    hub = await make_hub()
    await sim.fault("getliveinfo", errcode=48001)
    resp = await hub.client.get("/live/syncRoomList", headers=ADMIN)
    assert resp.status == 200
    assert await resp.json() == {
        "code": 0,
        "msg": "同步直播间列表失败: errcode=48001, errmsg=小程序没有直播权限",
    }


def test_a_relative_default_anchor_image_is_made_absolute() -> None:
    assert parsed_anchor_default() == f"{PUBLIC_URL}/static/img/anchor.png"
    env = {"HUB_SECRET_KEY": SECRET_KEY, "HUB_ADMIN_TOKEN": ADMIN_TOKEN, "HUB_DEMO": "0"}
    own = Settings.from_env(
        {**env, "HUB_PUBLIC_URL": PUBLIC_URL, "HUB_DEFAULT_ANCHOR_IMG": "/img/a.png"}, env_file=None
    )
    assert own.default_anchor_img == f"{PUBLIC_URL}/img/a.png"
    cdn = Settings.from_env(
        {**env, "HUB_DEFAULT_ANCHOR_IMG": "https://cdn.example.com/a.png"}, env_file=None
    )
    assert cdn.default_anchor_img == "https://cdn.example.com/a.png"


async def test_rooms_mirrored_before_migration_0010_get_an_id_and_created_at(
    db_url: str, tmp_path: Path
) -> None:
    db = await open_database(db_url)
    try:
        # The schema of the previous release: every migration before 0010.
        older = tmp_path / "older"
        for dialect in ("sqlite", "mysql"):
            (older / dialect).mkdir(parents=True)
            for path in (MIGRATIONS_DIR / dialect).glob("*.sql"):
                if int(path.name[:4]) < 10:
                    shutil.copy(path, older / dialect / path.name)
        await migrate(db, older)
        for roomid, updated in ((5, 1764460000.0), (9, 1764470000.0)):
            await db.execute(
                "INSERT INTO live_room (roomid, name, updated_at) VALUES (?, ?, ?)",
                (roomid, f"room {roomid}", updated),
            )
        assert 10 in await migrate(db)
        _, rooms = await list_rooms(db, 0, 10)
        found = {r.roomid: r for r in rooms}
        assert {r.name for r in rooms} == {"room 5", "room 9"}
        assert found[5].id > 0 and found[9].id > 0 and found[5].id != found[9].id
        assert found[5].created_at == found[5].updated_at == 1764460000.0
        # A row a process of the previous release inserts after the migration (no created_at).
        await db.execute("INSERT INTO live_room (roomid, updated_at) VALUES (?, ?)", (7, 1.0))
        room7 = await get_room(db, 7)
        assert room7 is not None and room7.id not in (found[5].id, found[9].id)
        assert room7.created_at == room7.updated_at == 1.0
    finally:
        await db.close()
