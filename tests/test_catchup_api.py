"""The catch-up read (GET /api/meetings/{n}/activities?since=CURSOR) and the resync hint."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from hub.activities import KINDS
from hub.keys import DB
from hub.simulator import RunningSimulator
from tests.conftest import AppClient
from tests.fixtures_activities import attendees, error_code, ok, room
from tests.helpers_auth import sim_settings
from tests.servers import Redis, have_redis


def cursor_of(details: dict[str, Any]) -> str:
    """The cursor a page builds from what it shows: kind:id:version of every activity."""
    items = []
    for kind in KINDS:
        for data in details["activities"][kind.plural]:
            items.append(f"{kind.name}:{data['id']}:{data['version']}")
    return ",".join(items)


def changed_ids(answer: dict[str, Any]) -> dict[str, list[int]]:
    """The ids in a catch-up answer, by plural (kinds with none left out)."""
    return {p: [a["id"] for a in items] for p, items in answer["activities"].items() if items}


async def test_only_what_changed_since_the_cursor_comes_back(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, 2) as r:
        a0, a1 = r.attendees
        url = f"/api/meetings/{r.number}/activities"
        poll = await ok(
            await client.post(
                f"/api/meetings/{r.number}/polls", json={"question": "Q", "options": ["x", "y"]}
            ),
            201,
        )
        lottery = await ok(
            await client.post(
                f"/api/meetings/{r.number}/lotteries", json={"title": "L", "winners_count": 1}
            ),
            201,
        )
        # Without a cursor: everything, as the meeting's details show it, with the cursor.
        everything = await ok(await a0.get(url))
        details = await ok(await a0.get(f"/api/meetings/{r.number}"))
        assert everything["activities"] == details["activities"]
        assert everything["ended_at"] is None
        held = everything["cursor"]
        assert sorted(held.split(",")) == sorted(cursor_of(details).split(","))
        assert (await ok(await a0.get(url, params={"since": cursor_of(details)})))["cursor"] == held

        # Nothing changed: nothing comes back, and the cursor stays.
        same = await ok(await a0.get(url, params={"since": held}))
        assert changed_ids(same) == {} and same["cursor"] == held
        assert set(same["activities"]) == {kind.plural for kind in KINDS}

        # A vote elsewhere: only that poll, newer, with this viewer's own fields.
        option = poll["options"][0]["id"]
        await ok(await a1.post(f"/api/polls/{poll['id']}/vote", json={"option_ids": [option]}))
        after_vote = await ok(await a0.get(url, params={"since": held}))
        assert changed_ids(after_vote) == {"polls": [poll["id"]]}
        fresh = after_vote["activities"]["polls"][0]
        assert fresh["version"] > poll["version"] and fresh["total_votes"] == 1
        assert fresh["my_vote"] == []
        mine = await ok(await a1.get(url, params={"since": held}))
        assert mine["activities"]["polls"][0]["my_vote"] == [option]
        # A new activity is one the cursor does not name.
        rating = await ok(
            await client.post(
                f"/api/meetings/{r.number}/ratings", json={"subject": "S", "max_score": 5}
            ),
            201,
        )
        later = await ok(await a0.get(url, params={"since": after_vote["cursor"]}))
        assert changed_ids(later) == {"ratings": [rating["id"]]}
        # An older cursor brings back everything newer than it, in one answer.
        both = await ok(await a0.get(url, params={"since": held}))
        assert changed_ids(both) == {"polls": [poll["id"]], "ratings": [rating["id"]]}
        assert lottery["id"] not in both["activities"]["lotteries"]

        # An ended meeting still answers (a screen learns it ended), with ended_at; the end
        # closed every open activity (issue 16), so those come back closed.
        await ok(await client.post(f"/api/meetings/{r.number}/end"))
        ended = await ok(await a0.get(url, params={"since": later["cursor"]}))
        assert ended["ended_at"] and set(changed_ids(ended)) == {"polls", "ratings", "lotteries"}
        assert {a["status"] for items in ended["activities"].values() for a in items} == {"closed"}


@pytest.mark.parametrize(
    "since",
    [
        "poll",
        "poll:1",
        "poll:1:x",
        "nosuchkind:1:1",
        "poll:-1:1",
        "poll:1:1,,poll:2:1",
        "poll:1:1;lottery:1:1",
        "poll:99999999999999999999:1",
        ",".join(f"poll:{i}:1" for i in range(401)),
    ],
)
async def test_a_bad_cursor_is_a_400(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, since: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r:
        resp = await r.attendees[0].get(
            f"/api/meetings/{r.number}/activities", params={"since": since}
        )
        assert await error_code(resp, 400) == "bad_cursor"


async def test_only_attendees_catch_up(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r, attendees(client, sim.url, None, ["x"]) as [x]:
        url = f"/api/meetings/{r.number}/activities"
        resp = await x.get(url)
        assert resp.status in (403, 404), await resp.text()  # not an attendee
        async with aiohttp.ClientSession() as anonymous:
            assert await error_code(await anonymous.get(client.make_url(url)), 401)


async def test_a_catch_up_costs_no_more_than_a_page_load(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    db = client.app[DB]
    async with room(client, sim.url, 1) as r:
        for kind in KINDS:
            path = f"/api/meetings/{r.number}/{kind.plural}"
            await ok(await client.post(path, json=kind.example_body), 201)
        a0 = r.attendees[0]
        url = f"/api/meetings/{r.number}/activities"
        held = (await ok(await a0.get(url)))["cursor"]
        before = db.statements
        await ok(await a0.get(f"/api/meetings/{r.number}"))
        page_load = db.statements - before
        before = db.statements
        await ok(await a0.get(url, params={"since": held}))
        # The user, the meeting's access, a listing per kind: never more than the page's read.
        assert db.statements - before <= page_load


@pytest.fixture
def own_redis() -> Iterator[Redis]:
    """A Redis of this test's own (it stops it), set up before the hub and gone after it."""
    if not have_redis():
        pytest.skip("Redis is not installed; run scripts/test")
    server = Redis().start()
    yield server
    server.destroy()


@pytest.mark.redis
async def test_sockets_are_told_to_catch_up_when_the_broker_returns(
    own_redis: Redis, sim: RunningSimulator, make_settings: Any, hub_client: AppClient
) -> None:
    settings = sim_settings(make_settings, sim.url, redis_url=own_redis.url())
    client = await hub_client(settings)
    async with room(client, sim.url, 1) as r:
        origin = {"Origin": settings.public_url}
        ws = await r.attendees[0].ws_connect(
            client.make_url(f"/ws/meetings/{r.number}"), headers=origin
        )
        try:
            assert (await ws.receive_json(timeout=10))["type"] == "hello"
            await asyncio.to_thread(own_redis.restart)
            async with asyncio.timeout(30):
                while (frame := await ws.receive_json())["type"] != "resync":
                    pass
            assert frame == {"type": "resync"}
        finally:
            await ws.close()
