"""Room-list JSON from bytes: strong ETags, 304s, gzip, and no invalidation by an unchanged sync."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from hub.live.pages import ROOM_PAGES, ListRequest
from hub.live.sync import GENERATION_KEY
from tests.fixtures_live import ADMIN, Hub, MakeHub
from tests.fixtures_sim import Sim

ROUTES = [
    ("/live/getRoomList", {"pageNum": "1", "pageSize": "10"}),
    ("/api/live/rooms", {"page": "1", "page_size": "20"}),
]


def room(roomid: int, start: int, status: int = 102, **fields: Any) -> dict[str, Any]:
    """A room that never asks for a replay (so a re-sync has nothing to fetch)."""
    base = {"roomid": roomid, "live_status": status, "start_time": start, "end_time": start + 60}
    return {**base, "close_replay": 1, "name": f"直播间 {roomid}", **fields}


@pytest.fixture
async def hub(sim: Sim, make_hub: MakeHub) -> Hub:
    """A hub mirroring 30 rooms, on SQLite and on MariaDB."""
    now = int(await sim.now())
    await sim.rooms([room(i, now + i * 60, 101 + i % 3) for i in range(1, 31)])
    h: Hub = await make_hub()
    run = await h.live.sync("test")
    assert run is not None and run.ok
    return h


async def fetch(hub: Hub, path: str, params: dict[str, str], **headers: str) -> Any:
    headers.setdefault("Accept-Encoding", "identity")
    resp = await hub.client.get(path, params=params, headers=headers, auto_decompress=False)
    body = await resp.read()
    return resp, body


@pytest.mark.parametrize(("path", "params"), ROUTES)
async def test_matching_etag_is_a_304_and_gzip_when_asked(
    hub: Hub, path: str, params: dict[str, str]
) -> None:
    resp, plain = await fetch(hub, path, params, **{"Accept-Encoding": "identity"})
    assert resp.status == 200 and "Content-Encoding" not in resp.headers
    etag = resp.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"

    again, empty = await fetch(hub, path, params, **{"If-None-Match": etag})
    assert (again.status, empty) == (304, b"")
    other, _ = await fetch(hub, path, params, **{"If-None-Match": '"something-else"'})
    assert other.status == 200

    zipped, packed = await fetch(hub, path, params, **{"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] != etag  # a coding is its own representation
    assert gzip.decompress(packed) == plain
    # Either tag revalidates: a client may have stored the other coding.
    for held in (etag, zipped.headers["ETag"]):
        resp, _ = await fetch(
            hub, path, params, **{"If-None-Match": held, "Accept-Encoding": "gzip"}
        )
        assert resp.status == 304
    refused, _ = await fetch(hub, path, params, **{"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


async def test_a_pin_gives_a_new_etag_an_unchanged_sync_none(hub: Hub) -> None:
    path, params = ROUTES[0]
    resp, _ = await fetch(hub, path, params)
    first = resp.headers["ETag"]
    generation = await hub.app[ROOM_PAGES].cache.get(GENERATION_KEY)
    rows = await hub.db.fetchall("SELECT * FROM live_room ORDER BY roomid")

    statements = hub.db.statements
    run = await hub.live.sync("test")
    assert run is not None and run.ok and run.upserted == 0
    # Reads only: the quota check, the count, the diff; the run's record is the one write.
    assert hub.db.statements - statements <= 5
    assert await hub.db.fetchall("SELECT * FROM live_room ORDER BY roomid") == rows
    assert await hub.app[ROOM_PAGES].cache.get(GENERATION_KEY) == generation
    resp, _ = await fetch(hub, path, params, **{"If-None-Match": first})
    assert resp.status == 304

    pin = await hub.client.put("/api/admin/live/rooms/3/pin", json={"is_top": 1}, headers=ADMIN)
    assert pin.status == 200
    resp, body = await fetch(hub, path, params, **{"If-None-Match": first, "Accept-Encoding": ""})
    assert resp.status == 200 and resp.headers["ETag"] != first
    assert json.loads(body)["data"][0]["roomid"] == 3


@pytest.mark.parametrize(("path", "params"), ROUTES)
async def test_json_is_byte_identical_with_and_without_the_cache(
    hub: Hub, path: str, params: dict[str, str]
) -> None:
    cold, first = await fetch(hub, path, params)
    warm, second = await fetch(hub, path, params)  # from this process's memo
    pages = hub.app[ROOM_PAGES]
    page, size = (int(v) for v in params.values())
    want = (
        ListRequest("egg", page, size)
        if path.startswith("/live")
        else ListRequest("api", page, size)
    )
    fresh = await pages.read(want)  # storage only, no cache
    assert first == second == fresh.body
    assert cold.headers["ETag"] == warm.headers["ETag"] == f'"{fresh.etag}"'
    pages._memo.clear()  # another process: only the shared cache has it
    shared, third = await fetch(hub, path, params)
    assert third == first and shared.headers["ETag"] == cold.headers["ETag"]


@pytest.mark.parametrize("params", [{"q": "x" * 101}, {"status": "101,replays"}])
async def test_a_bad_search_or_filter_is_a_400(hub: Hub, params: dict[str, str]) -> None:
    resp = await hub.client.get("/api/live/rooms", params=params)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "bad_request"


async def test_rows_stored_before_their_digest_are_compared_in_full_once(hub: Hub) -> None:
    rows = await hub.db.fetchall("SELECT * FROM live_room ORDER BY roomid")
    generation = await hub.app[ROOM_PAGES].cache.get(GENERATION_KEY)
    await hub.db.execute("UPDATE live_room SET synced_hash = NULL WHERE roomid <= 10")
    run = await hub.live.sync("test")
    assert run is not None and run.ok and run.upserted == 0
    # The digest is back and nothing else moved: no updatedAt, no ETag, no cache invalidated.
    assert await hub.db.fetchall("SELECT * FROM live_room ORDER BY roomid") == rows
    assert await hub.app[ROOM_PAGES].cache.get(GENERATION_KEY) == generation
