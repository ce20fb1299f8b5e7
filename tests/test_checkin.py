"""签到 check-ins over real HTTP on SQLite and MariaDB: the code changes every 15 s, the current
and the previous are accepted, an older one is refused; counts, names and the export."""

from __future__ import annotations

import csv
import io
from typing import Any

import aiohttp

from hub.activities.checkin import WINDOW
from hub.clock import Clock
from hub.errors import Conflict
from hub.simulator import RunningSimulator
from hub.storage.checkins import check_in, create_checkin
from hub.storage.meetings import create_meeting, end_meeting
from hub.storage.users import upsert_login
from tests.fixtures_activities import error_code, ok, room
from tests.helpers_auth import sim_settings


async def test_current_and_previous_codes_are_accepted_and_an_older_one_refused(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    clock = Clock()
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url), clock)
    async with room(client, sim.url, 4) as r:
        made = await ok(await client.post(f"/api/meetings/{r.number}/checkins", json={}), 201)
        url = f"/api/checkins/{made['id']}"
        assert made["joined"] == 4 and made["checked_in"] == 0
        # Attendees never see the code in the check-in's JSON, and may not ask for it.
        seen = await ok(await r.attendees[0].get(url))
        assert "code" not in seen
        assert await error_code(await r.attendees[0].get(f"{url}/code"), 403)

        # The screen reads it through its link (`Authorization: Screen <token>`), no sign-in.
        link = await ok(await client.post(f"/api/meetings/{r.number}/screen-links", json={}), 201)
        screen = {"Authorization": "Screen " + link["url"].rsplit("/", 1)[1]}
        # Start one second into a code window, so the screen's read and the organizer's below
        # fall in the same window however slow the machine is (the windows are 15 s).
        clock.advance(WINDOW - clock.time() % WINDOW + 1)
        async with aiohttp.ClientSession(base_url=str(client.make_url(""))) as anon:
            on_screen = await ok(await anon.get(f"{url}/code", headers=screen))
            refused = await anon.get(f"{url}/code", headers={"Authorization": "Screen nope"})
            assert refused.status == 401
        oldest = await ok(await client.get(f"{url}/code"))
        assert on_screen == oldest
        assert oldest["code"].isdigit() and oldest["expires_at"] > clock.time()
        clock.advance(oldest["expires_at"] - clock.time() + 0.5)  # the next window
        previous = await ok(await client.get(f"{url}/code"))
        clock.advance(15)
        current = await ok(await client.get(f"{url}/code"))
        assert len({oldest["code"], previous["code"], current["code"]}) == 3
        assert current["expires_at"] == previous["expires_at"] + 15

        a0, a1, a2, a3 = r.attendees
        stale = await a0.post(f"{url}/checkin", json={"code": oldest["code"]})
        assert await error_code(stale, 409) == "stale_code"
        wrong = await a0.post(f"{url}/checkin", json={"code": "12345x"})
        assert await error_code(wrong, 400) == "bad_checkin_code"
        guess = next(
            c for c in ("000000", "000001") if c not in (previous["code"], current["code"])
        )
        refused = await a0.post(f"{url}/checkin", json={"code": guess})
        assert await error_code(refused, 400) == "wrong_code"
        await ok(await a1.post(f"{url}/checkin", json={"code": previous["code"]}))
        mine = await ok(await a2.post(f"{url}/checkin", json={"code": current["code"]}))
        assert mine["my_checkin"] is not None and mine["checked_in"] == 2
        again = await ok(await a2.post(f"{url}/checkin", json={"code": current["code"]}))
        assert again["checked_in"] == 2  # once per person

        listed = await ok(await client.get(url))
        assert listed["checked_in"] == 2 and listed["joined"] == 4
        assert sorted(e["userid"] for e in listed["entries"]) == ["a1", "a2"]

        export = await client.get(
            f"/api/meetings/{r.number}/export.csv", params={"kind": "checkins"}
        )
        rows = list(csv.reader(io.StringIO((await export.read()).decode("utf-8-sig"))))
        assert sorted(row[5] for row in rows[1:]) == ["a1", "a2"]

        await ok(await client.post(f"{url}/close", json={}))
        closed = await a3.post(f"{url}/checkin", json={"code": current["code"]})
        assert await error_code(closed, 409) == "closed"


async def test_a_check_in_after_the_end_is_refused_inside_the_transaction(db: Any) -> None:
    user = await upsert_login(db, "ci-org", "", 1.0)
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, 4243, "m", user.id, 1.0)
    checkin = await create_checkin(db, meeting.id, "签到", "00" * 32, 2.0)
    await end_meeting(db, meeting.id, 3.0)
    try:
        await check_in(db, checkin, user.id, 4.0)
    except Conflict as exc:
        assert exc.code == "meeting_ended"
    else:
        raise AssertionError("a check-in landed after the end")
    assert await db.fetchval("SELECT COUNT(*) FROM checkin_entry") == 0
