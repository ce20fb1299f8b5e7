"""A proper ending: every open activity closes (a hidden poll shows its counts on every phone)
before the ended frame; the ended meeting is a read-only record. Delete-unused, close, re-draw,
and when a poll's results show (SQLite and MariaDB)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.fixtures_activities import error_code, ok, room
from tests.fixtures_realtime import frame_of
from tests.fixtures_sim import Sim
from tests.helpers_auth import sim_settings

HIDDEN = {"question": "保密?", "options": ["是", "否"], "hide_results": True}


async def _activity(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    frame: dict[str, Any] = await frame_of(ws, "activity")
    return frame


async def test_ending_reveals_a_hidden_poll_on_every_phone(
    sim: Sim, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    async with room(client, sim.url, 3) as r:
        base = f"/api/meetings/{r.number}"
        poll = await ok(await client.post(f"{base}/polls", json=HIDDEN), 201)
        lot = await ok(await client.post(f"{base}/lotteries", json={"title": "奖"}), 201)
        packet = {"total_cents": 1000, "count": 4}
        packet = await ok(await client.post(f"{base}/redpackets", json=packet), 201)
        got = await ok(await r.attendees[0].post(f"/api/redpackets/{packet['id']}/claim"))
        yes = poll["options"][0]["id"]
        for browser in r.attendees[:2]:
            await ok(
                await browser.post(f"/api/polls/{poll['id']}/vote", json={"option_ids": [yes]})
            )
        headers = {"Origin": settings.public_url}
        phones = [
            await b.ws_connect(f"/ws/meetings/{r.number}", headers=headers) for b in r.attendees
        ]
        try:
            for ws in phones:
                await frame_of(ws, "hello")
            await ok(await client.post(f"{base}/end"))
            for ws in phones:
                frames = [await _activity(ws) for _ in range(3)]
                assert [(f["kind"], f["event"]) for f in frames] == [
                    ("poll", "closed"),
                    ("lottery", "closed"),
                    ("meeting", "ended"),
                ]
                # Unclaimed red packet shares are reported as returned.
                assert frames[2]["data"]["returned"] == [
                    {
                        "kind": "redpacket",
                        "id": packet["id"],
                        "returned_shares": 3,
                        "returned_cents": 1000 - got["cents"],
                    }
                ]
                revealed = frames[0]["data"]
                assert [o["votes"] for o in revealed["options"]] == [2, 0]
                assert revealed["status"] == "closed"
                closed_msg = await ws.receive(timeout=10)
                assert closed_msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        finally:
            for ws in phones:
                await ws.close()
        # The ended meeting is a record: results readable, nothing writable.
        seen = await ok(await r.attendees[2].get(f"/api/polls/{poll['id']}"))
        assert [o["votes"] for o in seen["options"]] == [2, 0]
        assert (await ok(await client.get(f"/api/lotteries/{lot['id']}")))["status"] == "closed"
        vote = r.attendees[2].post(f"/api/polls/{poll['id']}/vote", json={"option_ids": [yes]})
        assert await error_code(await vote, 409) == "meeting_ended"
        assert await error_code(await client.delete(f"/api/polls/{poll['id']}"), 409)


async def test_organizer_sees_hidden_counts_and_after_vote_shows_voters(
    sim: Sim, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 2) as r:
        base = f"/api/meetings/{r.number}"
        body = {"question": "午饭?", "options": ["面", "饭"], "results": "after_vote"}
        poll = await ok(await client.post(f"{base}/polls", json=body), 201)
        assert poll["results"] == "after_vote" and poll["hide_results"] is False
        a0, a1 = r.attendees
        noodles = poll["options"][0]["id"]
        before = await ok(await a1.get(f"/api/polls/{poll['id']}"))
        assert [o["votes"] for o in before["options"]] == [None, None]
        voted = await ok(
            await a0.post(f"/api/polls/{poll['id']}/vote", json={"option_ids": [noodles]})
        )
        assert [o["votes"] for o in voted["options"]] == [1, 0]
        assert [
            o["votes"] for o in (await ok(await a1.get(f"/api/polls/{poll['id']}")))["options"]
        ] == [None, None]
        assert [
            o["votes"] for o in (await ok(await client.get(f"/api/polls/{poll['id']}")))["options"]
        ] == [1, 0]
        bad = {**body, "results": "never"}
        assert await error_code(await client.post(f"{base}/polls", json=bad), 400) == "bad_results"


async def test_delete_unused_and_redraw_keep_the_record(
    sim: Sim, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, 5) as r:
        base = f"/api/meetings/{r.number}"
        a0 = r.attendees[0]
        unused = await ok(await client.post(f"{base}/polls", json=HIDDEN), 201)
        used = await ok(await client.post(f"{base}/polls", json=HIDDEN), 201)
        opt = used["options"][0]["id"]
        await ok(await a0.post(f"/api/polls/{used['id']}/vote", json={"option_ids": [opt]}))
        assert await error_code(await a0.delete(f"/api/polls/{unused['id']}"), 403)
        assert (await ok(await client.delete(f"/api/polls/{unused['id']}")))["deleted"] == unused[
            "id"
        ]
        assert await error_code(await client.get(f"/api/polls/{unused['id']}"), 404) == "not_found"
        assert (
            await error_code(await client.delete(f"/api/polls/{used['id']}"), 409)
            == "activity_used"
        )

        lot = await ok(
            await client.post(f"{base}/lotteries", json={"title": "奖", "winners": 2}), 201
        )
        assert (
            await error_code(await client.post(f"/api/lotteries/{lot['id']}/redraw"), 409)
            == "not_drawn"
        )
        first = await ok(await client.post(f"/api/lotteries/{lot['id']}/draw"))
        second = await ok(await client.post(f"/api/lotteries/{lot['id']}/redraw"))
        firsts = {w["userid"] for w in first["winners"]}
        seconds = {w["userid"] for w in second["winners"]}
        assert len(firsts) == len(seconds) == 2 and not firsts & seconds
        assert [[w["userid"] for w in d] for d in second["draws"]] == [
            [w["userid"] for w in first["winners"]],
            [w["userid"] for w in second["winners"]],
        ]
        # One left of five: a third draw of two cannot happen, and says why.
        third = await client.post(f"/api/lotteries/{lot['id']}/redraw")
        assert await error_code(third, 409) == "not_enough_attendees"
        assert (
            await error_code(await client.delete(f"/api/lotteries/{lot['id']}"), 409)
            == "activity_used"
        )
        gone = await ok(await client.post(f"{base}/lotteries", json={"title": "空"}), 201)
        await ok(await client.post(f"/api/lotteries/{gone['id']}/close"))
        assert (
            await error_code(await client.post(f"/api/lotteries/{gone['id']}/draw"), 409)
            == "closed"
        )
        assert (await ok(await client.delete(f"/api/lotteries/{gone['id']}")))["kind"] == "lottery"
