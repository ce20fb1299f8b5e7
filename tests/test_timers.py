"""Timers on any activity with an organizer close, over real HTTP and sockets, on both databases:
`closes_at` in the JSON, a close at the deadline (once, with one frame), extend, and a restart."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from hub.activities.timer_loop import TIMERS
from hub.clock import Clock
from hub.keys import DB
from hub.simulator import RunningSimulator
from tests.fixtures_activities import error_code, ok, room
from tests.fixtures_realtime import eventually
from tests.helpers_auth import sim_settings

POLL = {"question": "Ship it?", "options": ["yes", "no"]}


async def _closed_frames(ws: aiohttp.ClientWebSocketResponse, poll_id: int) -> list[str]:
    """Every activity event for the poll that arrived until the socket went quiet for a while."""
    events: list[str] = []
    while True:
        try:
            msg = await ws.receive(timeout=1.0)
        except TimeoutError:
            return events
        frame = json.loads(msg.data)
        if frame.get("type") == "activity" and frame["data"].get("id") == poll_id:
            events.append(frame["event"])


async def test_a_timed_poll_closes_once_at_its_deadline_and_can_be_extended(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    clock = Clock()
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings, clock)
    loop = client.app[TIMERS]
    async with room(client, sim.url, 1) as r:
        create = f"/api/meetings/{r.number}/polls"
        headers = {"Origin": settings.public_url}
        async with r.attendees[0].ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            now = clock.time()
            poll = await ok(await client.post(create, json={**POLL, "duration_s": 30}), 201)
            assert now + 30 <= poll["closes_at"] <= clock.time() + 30
            seen = await ok(await r.attendees[0].get(f"/api/polls/{poll['id']}"))
            assert seen["closes_at"] == poll["closes_at"]
            details = await ok(await r.attendees[0].get(f"/api/meetings/{r.number}"))
            assert details["activities"]["polls"][0]["closes_at"] == poll["closes_at"]

            # The organizer moves it 20 s later: the frame and the answer say so.
            moved = await ok(
                await client.post(f"/api/polls/{poll['id']}/extend", json={"seconds": 20})
            )
            assert moved["closes_at"] == poll["closes_at"] + 20

            clock.advance(49)
            await loop.step()
            assert (await ok(await client.get(f"/api/polls/{poll['id']}")))["status"] == "open"
            clock.advance(1.5)

            async def closed() -> bool:
                got = await ok(await client.get(f"/api/polls/{poll['id']}"))
                return bool(got["status"] == "closed")

            await eventually(closed, within=5)
            events = await _closed_frames(ws, poll["id"])
            assert events == ["created", "extended", "closed"], events

            # Closed: no more votes, no more extending.
            vote = {"option_ids": [poll["options"][0]["id"]]}
            assert (
                await error_code(
                    await r.attendees[0].post(f"/api/polls/{poll['id']}/vote", json=vote), 409
                )
                == "closed"
            )
            assert (
                await error_code(
                    await client.post(f"/api/polls/{poll['id']}/extend", json={"seconds": 5}), 409
                )
                == "closed"
            )


async def test_timer_bodies_are_checked(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r:
        create = f"/api/meetings/{r.number}/polls"
        for bad in (
            {"duration_s": 0},
            {"duration_s": "5"},
            {"closes_at": 1},
            {"duration_s": 5, "closes_at": 2e9},
            {"duration_s": True},
        ):
            assert (
                await error_code(await client.post(create, json={**POLL, **bad}), 400)
                == "bad_timer"
            )
        packet = {"total_cents": 100, "count": 1, "duration_s": 60}
        made = await client.post(f"/api/meetings/{r.number}/redpackets", json=packet)
        assert await error_code(made, 400) == "no_timer"
        poll = await ok(await client.post(create, json=POLL), 201)
        assert poll["closes_at"] is None
        extend = f"/api/polls/{poll['id']}/extend"
        assert await error_code(await r.attendees[0].post(extend, json={"seconds": 5}), 403)
        assert await error_code(await client.post(extend, json={}), 400) == "bad_timer"
        untimed = await ok(await client.post(extend, json={"seconds": 60}))
        assert untimed["closes_at"] is not None


async def test_a_restart_before_the_deadline_still_closes_it(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    clock = Clock()
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    first = await hub_client(settings, clock)
    async with room(first, sim.url, 1) as r:
        poll = await ok(
            await first.post(f"/api/meetings/{r.number}/polls", json={**POLL, "duration_s": 10}),
            201,
        )
    await first.close()  # the process stops before the deadline

    clock.advance(11)
    second = await hub_client(settings, clock)  # its loop's first round finds the due timer

    async def closed() -> bool:
        row = await second.app[DB].fetchone("SELECT status FROM poll WHERE id = ?", (poll["id"],))
        return row is not None and row["status"] == "closed"

    await eventually(closed, within=5)
    assert second.app[TIMERS].ran == 1


async def test_a_timer_of_an_ended_meeting_does_nothing(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    clock = Clock()
    client = await hub_client(sim_settings(make_settings, sim.url), clock)
    async with room(client, sim.url, 1) as r:
        create = f"/api/meetings/{r.number}/polls"
        poll = await ok(await client.post(create, json={**POLL, "duration_s": 5}), 201)
        await ok(await client.post(f"/api/meetings/{r.number}/end", json={}))
        clock.advance(6)

        async def done() -> bool:
            row = await client.app[DB].fetchone(
                "SELECT done FROM activity_timer WHERE activity_id = ?", (poll["id"],)
            )
            return row is not None and int(row["done"]) == 1

        await eventually(done, within=5)
        assert client.app[TIMERS].ran == 0
        # The end itself closed the poll (issue 16), not its timer.
        assert (await ok(await client.get(f"/api/polls/{poll['id']}")))["status"] == "closed"
