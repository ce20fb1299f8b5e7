"""F3: one user cannot take the number pool: a cap per organizer, idle meetings end, admins
can list and end any meeting, and a nearly full pool is logged and measured."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

import aiohttp
import pytest

from hub.keys import DB
from hub.meetings.idle import IDLE_ENDER
from hub.metrics import METRICS
from hub.realtime.rooms import MEETING_ENDED
from hub.simulator import RunningSimulator
from hub.storage.meetings import NUMBER_SPACE, meeting_by_number
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.fixtures_activities import error_code, ok
from tests.fixtures_realtime import frame_of, origin
from tests.helpers_auth import login, new_browser, sim_settings

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def close_code(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """The code the server closes `ws` with, skipping the text frames before it."""
    msg = await ws.receive(timeout=10)
    while msg.type is aiohttp.WSMsgType.TEXT:
        msg = await ws.receive(timeout=10)
    return msg.data if msg.type is aiohttp.WSMsgType.CLOSE else None


async def test_the_21st_open_meeting_is_refused_even_when_asked_at_once(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "hoarder")
    creates = [client.post("/api/meetings", json={"title": f"m{i}"}) for i in range(30)]
    answers = await asyncio.gather(*creates)
    assert sorted(r.status for r in answers) == [201] * 20 + [409] * 10
    refused = next(r for r in answers if r.status == 409)
    body = await refused.json()
    assert body["error"]["code"] == "too_many_open_meetings" and body["error"]["limit"] == 20
    # Ending one frees a place; others are not limited by this organizer's count.
    created = next(r for r in answers if r.status == 201)
    number = (await created.json())["number"]
    await ok(await client.post(f"/api/meetings/{number}/end"))
    await ok(await client.post("/api/meetings", json={"title": "again"}), 201)
    assert await error_code(await client.post("/api/meetings", json={"title": "x"}), 409)
    async with new_browser(client) as other:
        await login(other, sim.url, "other")
        await ok(await other.post("/api/meetings", json={"title": "mine"}), 201)


async def _age(client: Any, number: str, seconds: float) -> None:
    """Make a meeting look unused for `seconds`: its creation, the organizer's join, the hint."""
    then = time.time() - seconds
    db = client.app[DB]
    meeting = await meeting_by_number(db, number)
    assert meeting and meeting.active
    await db.execute(
        "UPDATE meeting SET created_at = ?, last_activity_at = ? WHERE id = ?",
        (then, then, meeting.id),
    )
    await db.execute("UPDATE attendee SET joined_at = ? WHERE meeting_id = ?", (then, meeting.id))


async def test_idle_meetings_end_once_across_processes_and_close_their_sockets(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, redis_url: str, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url, redis_url=redis_url)
    first = await hub_client(settings)
    second = await hub_client(settings)  # another process on the same database and Redis
    await login(first, sim.url, "sleepy")
    numbers = [
        (await ok(await first.post("/api/meetings", json={"title": f"t{i}"}), 201))["number"]
        for i in range(4)
    ]
    busy, *idle = numbers
    day = 86400.0
    for number in numbers:
        await _age(first, number, day + 60)
    # A chat message in `busy` a minute ago: its hint is old, the message is not.
    async with first.ws_connect(f"/ws/meetings/{busy}", headers=origin(first)) as ws:
        await frame_of(ws, "hello")
        await ws.send_json({"type": "chat", "text": "still here"})
        await frame_of(ws, "chat")
    async with first.ws_connect(f"/ws/meetings/{idle[0]}", headers=origin(first)) as ws:
        await frame_of(ws, "hello")
        ended = await asyncio.gather(
            first.app[IDLE_ENDER].end_idle(), second.app[IDLE_ENDER].end_idle()
        )
        frame = await frame_of(ws, "activity")
        assert frame["event"] == "ended" and frame["data"]["ended_by"] == "idle"
        assert await close_code(ws) == MEETING_ENDED
    assert sum(ended) == len(idle)  # each idle meeting ended by exactly one process
    for number in idle:
        gone = await meeting_by_number(first.app[DB], number)
        assert gone and gone.ended_at is not None
    kept = await meeting_by_number(first.app[DB], busy)
    assert kept and kept.active and kept.last_activity_at > time.time() - day


async def test_admins_list_and_end_any_meeting(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "boss")
    made = [
        (await ok(await client.post("/api/meetings", json={"title": f"t{i}"}), 201))["number"]
        for i in range(3)
    ]
    await ok(await client.post(f"/api/meetings/{made[0]}/end"))
    async with new_browser(client) as anon:
        assert (await anon.get("/api/admin/meetings")).status == 401
        assert (await anon.post(f"/api/admin/meetings/{made[1]}/end")).status == 401
    listed = await ok(await client.get("/api/admin/meetings", headers=ADMIN))
    assert listed["total"] == 3 and listed["open"] == 2 and listed["pool"] == NUMBER_SPACE
    live = await ok(await client.get("/api/admin/meetings?status=live", headers=ADMIN))
    assert sorted(m["number"] for m in live["meetings"]) == sorted(made[1:])
    bad = await client.get("/api/admin/meetings?status=zombie", headers=ADMIN)
    assert await error_code(bad, 400) == "bad_status"
    async with client.ws_connect(f"/ws/meetings/{made[1]}", headers=origin(client)) as ws:
        await frame_of(ws, "hello")
        ended = await ok(await client.post(f"/api/admin/meetings/{made[1]}/end", headers=ADMIN))
        assert ended["ended_at"] is not None
        frame = await frame_of(ws, "activity")
        assert frame["data"]["ended_by"] == "admin"
        assert await close_code(ws) == MEETING_ENDED
    again = await client.post(f"/api/admin/meetings/{made[1]}/end", headers=ADMIN)
    assert await error_code(again, 404) == "not_found"
    ended_list = await ok(await client.get("/api/admin/meetings?status=ended", headers=ADMIN))
    assert ended_list["total"] == 2


async def test_a_nearly_full_pool_is_logged_and_measured(
    sim: RunningSimulator,
    make_settings: Any,
    hub_client: AppClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "filler")
    await ok(await client.post("/api/meetings", json={"title": "first"}), 201)
    db = client.app[DB]
    owner = await db.fetchval("SELECT organizer_id FROM meeting")
    ender = client.app[IDLE_ENDER]
    assert await ender.watch_pool() == 1
    taken = int(await db.fetchval("SELECT active_number FROM meeting"))
    # 89,999 fillers beside the first meeting, whichever number it drew (one of 90,000 and
    # up had made it 90,001 open meetings, one run in ten).
    others = (n for n in range(NUMBER_SPACE) if n != taken)
    rows = [
        (f"{n:05d}", n, "filler", owner, time.time(), time.time())
        for n in itertools.islice(others, 90_000 - 1)
    ]
    await db.executemany(
        "INSERT INTO meeting (number, active_number, title, organizer_id, created_at,"
        " last_activity_at) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    caplog.clear()
    assert await ender.watch_pool() == 90_000
    assert any(
        r.levelno == logging.WARNING and "90000 of 100000 meeting numbers" in r.getMessage()
        for r in caplog.records
    )
    metrics = client.app[METRICS]
    assert metrics.registry.get_sample_value("hub_meetings_open") == 90_000
    assert metrics.registry.get_sample_value("hub_meeting_numbers") == NUMBER_SPACE
