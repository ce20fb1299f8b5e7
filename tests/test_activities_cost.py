"""What activity requests cost in SQL statements, on SQLite and MariaDB: a vote at most 9."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import aiohttp

from hub.activities import KINDS
from hub.keys import DB
from hub.simulator import RunningSimulator
from hub.storage import Database
from tests.conftest import AppClient
from tests.fixtures_activities import ok, room
from tests.helpers_auth import sim_settings

# user 1, the poll with its options and meeting 1, attendance 1, the ballot 4, the meeting
# locked 1 (hub.storage.meetings: "the end is final"), the poll after 1.
VOTE_BUDGET = 9
# user 1, the meeting 1, the insert(s) 2, the activity read back 1-2 and the creator's fields 1.
CREATE_BUDGET = 6
# user 1, the activity 1-2, its meeting 1, attendance 1, the viewer's fields 1.
READ_BUDGET = 6


async def _cost(db: Database, request: Awaitable[aiohttp.ClientResponse], status: int = 200) -> int:
    """Statements the database ran while serving `request` (nothing else runs meanwhile)."""
    before = db.statements
    await ok(await request, status)
    return db.statements - before


async def test_a_single_choice_vote_costs_at_most_9_statements(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    db = client.app[DB]
    async with room(client, sim.url, 2) as r:
        body = {"question": "Lunch?", "options": ["noodles", "rice", "dumplings"]}
        poll = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=body), 201)
        vote = f"/api/polls/{poll['id']}/vote"
        for browser in r.attendees:
            option = {"option_ids": [poll["options"][1]["id"]]}
            assert await _cost(db, browser.post(vote, json=option)) <= VOTE_BUDGET
        final = await ok(await client.get(f"/api/polls/{poll['id']}"))
        assert final["total_votes"] == 2


async def test_creating_and_reading_cost_a_bounded_number_of_statements(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    db = client.app[DB]
    # Three attendees: three lotteries that exclude previous winners can each draw one.
    async with room(client, sim.url, 3) as r:
        a0 = r.attendees[0]

        async def one_of_each() -> None:
            for kind in KINDS:
                create = client.post(
                    f"/api/meetings/{r.number}/{kind.plural}", json=kind.example_body
                )
                before = db.statements
                made = await ok(await create, 201)
                assert db.statements - before <= CREATE_BUDGET, kind.name
                read = a0.get(f"/api/{kind.plural}/{made['id']}")
                assert await _cost(db, read) <= READ_BUDGET, kind.name
                if "draw" in kind.actions:  # a drawn lottery's eligible count is stored
                    await ok(await client.post(f"/api/{kind.plural}/{made['id']}/draw"))

        await one_of_each()
        details = await _cost(db, a0.get(f"/api/meetings/{r.number}"))
        # The meeting's activities are read a kind at a time, not one at a time.
        await one_of_each()
        await one_of_each()
        assert await _cost(db, a0.get(f"/api/meetings/{r.number}")) == details
