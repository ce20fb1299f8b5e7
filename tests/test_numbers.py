"""Meeting numbers: unique among active meetings by index, reusable after end, 503 when full."""

from __future__ import annotations

import time
from typing import Any

from hub.keys import DB
from hub.meetings.numbers import open_meeting
from hub.simulator import RunningSimulator
from hub.storage import Database, Executor
from hub.storage.meetings import end_meeting, find_free_number, meeting_by_number
from hub.storage.users import upsert_login
from tests.helpers_auth import login, sim_settings


async def _fill_numbers(ex: Executor, organizer_id: int, except_number: int | None) -> None:
    """Hold every number but one with an active meeting, in one bulk INSERT ... SELECT."""
    pad = "printf('%05d', n)" if ex.dialect == "sqlite" else "LPAD(n, 5, '0')"
    digits = " UNION ALL ".join(f"SELECT {d} AS x" for d in range(10))
    # Five digits cross-joined, not a recursive CTE: MariaDB caps recursion at 1000 rows here.
    await ex.execute(
        "INSERT INTO meeting (number, active_number, title, organizer_id, created_at)"
        f" SELECT {pad}, n, 'filler', ?, 0 FROM ("
        " SELECT a.x + 10 * b.x + 100 * c.x + 1000 * d.x + 10000 * e.x AS n"
        f" FROM ({digits}) a, ({digits}) b, ({digits}) c, ({digits}) d, ({digits}) e"
        ") seq WHERE n <> ?",
        (organizer_id, -1 if except_number is None else except_number),
    )


async def test_a_taken_number_is_never_handed_out_twice(db: Database) -> None:
    user = await upsert_login(db, "zhangsan", None, time.time())
    first = await open_meeting(db, "a", user.id, 1.0, first=4242)
    assert first.number == "04242"
    # Forced collision: the first draw is taken, so the unique index sends it to another.
    second = await open_meeting(db, "b", user.id, 2.0, first=4242)
    assert second.number != "04242"
    # Once the first meeting ends, the same number can be drawn again.
    assert await end_meeting(db, first.id, 3.0)
    again = await open_meeting(db, "c", user.id, 4.0, first=4242)
    assert again.number == "04242" and again.id != first.id
    # The number names the active meeting; the ended one is still stored.
    found = await meeting_by_number(db, "04242")
    assert found is not None and found.id == again.id and found.active
    assert await end_meeting(db, again.id, 5.0)
    found = await meeting_by_number(db, "04242")
    assert found is not None and found.id == again.id and not found.active


async def test_find_free_number_wraps_and_skips_taken(db: Database) -> None:
    user = await upsert_login(db, "lisi", None, time.time())
    assert await find_free_number(db, 99999) == 99999
    for n in (99998, 99999, 0, 1):
        await open_meeting(db, "t", user.id, 1.0, first=n)
    assert await find_free_number(db, 99998) == 2
    assert await find_free_number(db, 0) == 2
    assert await find_free_number(db, 500) == 500


async def test_exhaustion_is_503_and_an_ended_number_is_drawn_again(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    # One user fills the pool here: no per-user cap (HUB_MEETINGS_PER_USER) in the way.
    settings = sim_settings(make_settings, sim.url, database_url=db_url, meetings_per_user=100_000)
    client = await hub_client(settings)
    await login(client, sim.url, "wangwu")
    resp = await client.post("/api/meetings", json={"title": "keep"})
    assert resp.status == 201
    kept = (await resp.json())["number"]
    me = await (await client.get("/api/me")).json()
    db = client.app[DB]
    await _fill_numbers(db, me["user"]["id"], int(kept))

    resp = await client.post("/api/meetings", json={"title": "one too many"})
    assert resp.status == 503, await resp.text()
    assert (await resp.json())["error"]["code"] == "numbers_exhausted"

    assert (await client.post(f"/api/meetings/{kept}/end")).status == 200
    resp = await client.post("/api/meetings", json={"title": "reborn"})
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["number"] == kept
    details = await (await client.get(f"/api/meetings/{kept}")).json()
    assert details["title"] == "reborn" and details["ended_at"] is None
