"""Meetings over HTTP: create, join, details, end, authorization rules and bad input."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hub.activities import KINDS
from hub.clock import iso_ts
from hub.events import Envelope
from hub.keys import CACHE, DB
from hub.simulator import RunningSimulator
from tests.helpers_auth import login, new_browser, sim_settings


async def _error(resp: Any, status: int) -> str:
    assert resp.status == status, (resp.status, await resp.text())
    body = await resp.json()
    assert set(body["error"]) >= {"code", "message"}
    code: str = body["error"]["code"]
    return code


async def test_meeting_lifecycle_and_rules(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    resp = await client.post("/api/meetings", json={"title": "  周会  "})
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    number = created["number"]
    assert len(number) == 5 and number.isdigit()
    assert created["title"] == "周会"
    assert created["organizer"]["userid"] == "zhangsan"
    assert [u["userid"] for u in created["attendees"]] == ["zhangsan"]
    assert created["join_url"] == f"http://127.0.0.1:8080/m/{number}"
    assert created["qr_png_url"] == f"http://127.0.0.1:8080/m/{number}/qr.png"
    assert created["ended_at"] is None and created["created_at"].endswith("Z")
    assert created["activities"] == {kind.plural: [] for kind in KINDS}
    assert isinstance(created["online"], list)

    async with new_browser(client) as lisi, new_browser(client) as anon:
        # Anonymous: 401 everywhere on the API.
        assert await _error(await anon.get(f"/api/meetings/{number}"), 401) == "unauthorized"
        assert await _error(await anon.post(f"/api/meetings/{number}/join"), 401)
        assert await _error(await anon.post(f"/api/meetings/{number}/end"), 401)
        assert await _error(await anon.post("/api/meetings", json={"title": "x"}), 401)
        assert await _error(await anon.get("/api/meetings"), 401)

        await login(lisi, sim.url, "lisi")
        # Not an attendee yet: no details, and the same answer as a free number (F2).
        assert await _error(await lisi.get(f"/api/meetings/{number}"), 404) == "not_found"
        for _ in range(2):  # joining twice changes nothing
            resp = await lisi.post(f"/api/meetings/{number}/join")
            assert resp.status == 200, await resp.text()
        joined = await resp.json()
        assert [u["userid"] for u in joined["attendees"]] == ["zhangsan", "lisi"]
        resp = await lisi.get(f"/api/meetings/{number}")
        assert resp.status == 200
        # Only the organizer ends it.
        assert await _error(await lisi.post(f"/api/meetings/{number}/end"), 403) == "forbidden"

        resp = await client.post(f"/api/meetings/{number}/end")
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["ended_at"] is not None
        code = await _error(await client.post(f"/api/meetings/{number}/end"), 409)
        assert code == "meeting_ended"
        # Attendees still see an ended meeting; nobody can join it any more, and to anyone
        # else it is a free number (F2).
        resp = await lisi.get(f"/api/meetings/{number}")
        assert resp.status == 200 and (await resp.json())["ended_at"] is not None
        assert await _error(await lisi.post(f"/api/meetings/{number}/join"), 409) == "meeting_ended"
        async with new_browser(client) as wangwu:
            await login(wangwu, sim.url, "wangwu")
            code = await _error(await wangwu.post(f"/api/meetings/{number}/join"), 404)
            assert code == "not_found"

    mine = await (await client.get("/api/meetings")).json()
    assert [m["number"] for m in mine["meetings"]] == [number]


async def test_bad_input_is_4xx_json(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhaoliu")
    for body in ({"title": ""}, {"title": "   "}, {"title": "x" * 10_000}, {"title": 5}, {}):
        assert await _error(await client.post("/api/meetings", json=body), 400) == "bad_request"
    resp = await client.post("/api/meetings", data=b"{not json", headers={"Content-Type": "x"})
    assert await _error(resp, 400) == "bad_json"
    resp = await client.post("/api/meetings", json={"title": "x" * 100})
    assert resp.status == 201
    for number in ("abc", "123456", "1234", "12a45", "99999"):
        assert await _error(await client.get(f"/api/meetings/{number}"), 404) == "not_found"
        assert await _error(await client.post(f"/api/meetings/{number}/join"), 404)
        assert await _error(await client.post(f"/api/meetings/{number}/end"), 404)


async def test_many_users_create_500_meetings_at_once(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    # 25 open meetings each: above the default cap of 20 (HUB_MEETINGS_PER_USER).
    settings = sim_settings(make_settings, sim.url, database_url=db_url, meetings_per_user=25)
    client = await hub_client(settings)
    browsers = [new_browser(client) for _ in range(20)]
    try:
        await asyncio.gather(*(login(b, sim.url, f"user{i}") for i, b in enumerate(browsers)))

        async def create(i: int) -> str:
            browser = browsers[i % len(browsers)]
            resp = await browser.post("/api/meetings", json={"title": f"meeting {i}"})
            assert resp.status == 201, await resp.text()
            number: str = (await resp.json())["number"]
            return number

        numbers = await asyncio.gather(*(create(i) for i in range(500)))
    finally:
        await asyncio.gather(*(b.close() for b in browsers))
    assert len(set(numbers)) == 500
    assert all(len(n) == 5 and n.isdigit() for n in numbers)


async def test_end_publishes_an_activity_frame(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "chenjing")
    number = (await (await client.post("/api/meetings", json={"title": "t"})).json())["number"]
    meeting_id = await client.app[DB].fetchval("SELECT id FROM meeting WHERE number = ?", (number,))
    frames: list[dict[str, Any]] = []
    got = asyncio.Event()

    async def on_frame(raw: str) -> None:
        envelope = Envelope.parse(raw)
        assert envelope.closes and envelope.meeting == meeting_id  # the room closes after it
        frames.append(json.loads(envelope.text))
        got.set()

    sub = await client.app[CACHE].subscribe(f"meeting:{meeting_id}", on_frame)
    try:
        assert (await client.post(f"/api/meetings/{number}/end")).status == 200
        await asyncio.wait_for(got.wait(), 5)
    finally:
        await sub.close()
    assert frames[0]["type"] == "activity"
    assert (frames[0]["kind"], frames[0]["event"]) == ("meeting", "ended")
    assert frames[0]["data"]["number"] == number and frames[0]["data"]["ended_at"]


async def test_attendees_carry_their_join_time(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "zhangsan")
    number = (await (await client.post("/api/meetings", json={"title": "签到"})).json())["number"]
    db = client.app[DB]
    meeting_id = await db.fetchval("SELECT id FROM meeting WHERE number = ?", (number,))
    frames: list[dict[str, Any]] = []
    got = asyncio.Event()

    async def on_frame(raw: str) -> None:
        frames.append(json.loads(Envelope.parse(raw).text))
        got.set()

    sub = await client.app[CACHE].subscribe(f"meeting:{meeting_id}", on_frame)
    try:
        async with new_browser(client) as lisi:
            await login(lisi, sim.url, "lisi")
            resp = await lisi.post(f"/api/meetings/{number}/join")
            assert resp.status == 200, await resp.text()
            await asyncio.wait_for(got.wait(), 5)
            details = await (await lisi.get(f"/api/meetings/{number}")).json()
    finally:
        await sub.close()
    stored = {
        str(r["userid"]): iso_ts(float(r["joined_at"]))
        for r in await db.fetchall(
            "SELECT u.userid, a.joined_at FROM attendee a JOIN app_user u ON u.id = a.user_id"
            " WHERE a.meeting_id = ?",
            (meeting_id,),
        )
    }
    # Every attendee carries the time they joined (签到), as stored, in ISO UTC.
    assert {u["userid"]: u["joined_at"] for u in details["attendees"]} == stored
    assert all(str(t).endswith("Z") for t in stored.values())
    # The join frame carries it too, so open pages show the newcomer's time without a reload.
    joined = next(f["data"]["joined"] for f in frames if f.get("kind") == "meeting")
    assert (joined["userid"], joined["joined_at"]) == ("lisi", stored["lisi"])
