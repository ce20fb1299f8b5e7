"""F2: a meeting one may not join looks like a free number, and number scans are throttled."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from hub.keys import DB
from hub.meetings.access import may_join
from hub.meetings.departments import departments_in, remember_departments
from hub.simulator import RunningSimulator
from hub.storage import Database
from hub.storage.meeting_access import set_user_departments
from hub.storage.meetings import create_meeting, end_meeting
from hub.storage.users import get_user_by_userid, upsert_login
from tests.conftest import AppClient
from tests.fixtures_activities import error_code, ok
from tests.helpers_auth import login, new_browser, sim_settings

SCAN = 2000


async def _plant(client: Any, numbers: list[int]) -> None:
    """Meetings of someone else under these numbers: open, with a passcode, invited-only,
    department-only and one that ended."""
    db = client.app[DB]
    owner = await upsert_login(db, "owner", None, time.time())
    kinds: list[dict[str, Any]] = [
        {},
        {"passcode": "246810"},
        {"access": "invited"},
        {"access": "department"},
        {},
    ]
    for number, extra in zip(numbers, kinds, strict=True):
        async with db.transaction() as tx:
            meeting = await create_meeting(tx, number, "secret", owner.id, time.time(), **extra)
        if number == numbers[-1]:
            await end_meeting(db, meeting.id, time.time())


async def _answer(resp: aiohttp.ClientResponse) -> tuple[int, str]:
    return resp.status, await resp.text()


async def test_a_scan_cannot_tell_foreign_meetings_from_free_numbers(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient
) -> None:
    # No throttle in the way here: every answer of the whole scan is compared.
    settings = sim_settings(
        make_settings, sim.url, meeting_misses_per_user=10**6, meeting_misses_per_ip=10**6
    )
    client = await hub_client(settings)
    planted = [100, 700, 1200, 1500, 1999]
    await _plant(client, planted)
    await login(client, sim.url, "mallory")
    gate = asyncio.Semaphore(20)

    async def probe(n: int) -> tuple[tuple[int, str], tuple[int, str]]:
        async with gate:
            number = f"{n:05d}"
            seen = await _answer(await client.get(f"/api/meetings/{number}"))
            if n in planted[1:]:  # the open one (planted[0]) lets anyone in: it is joined below
                joined = await _answer(await client.post(f"/api/meetings/{number}/join"))
            else:
                joined = seen
            return seen, joined

    answers = await asyncio.gather(*(probe(n) for n in range(SCAN)))
    free = answers[0][0]
    assert free[0] == 404 and '"not_found"' in free[1]
    # Every GET (free, foreign open, passcode, invited, department, ended) is the same answer,
    # and so is every refused join.
    assert {a[0] for a in answers} == {free}
    assert {a[1] for n, a in enumerate(answers) if n != planted[0]} == {free}
    # The open meeting is joinable by anyone signed in (its owner chose that).
    await ok(await client.post(f"/api/meetings/{planted[0]:05d}/join"))


async def test_a_scan_by_one_user_is_throttled_per_user_and_per_ip(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, cache_url: str | None
) -> None:
    settings = sim_settings(make_settings, sim.url, redis_url=cache_url, meeting_misses_per_ip=30)
    client = await hub_client(settings)
    await _plant(client, [40, 41, 42, 43, 44])
    await login(client, sim.url, "mallory")
    gate = asyncio.Semaphore(20)

    async def probe(n: int) -> aiohttp.ClientResponse:
        async with gate:
            path = f"/api/meetings/{n:05d}" + ("/join" if n % 2 else "")
            resp = await (client.post(path) if n % 2 else client.get(path))
            await resp.read()
            return resp

    answers = await asyncio.gather(*(probe(n) for n in range(SCAN)))
    statuses = [r.status for r in answers]
    # Exactly 20 refusals a minute per user (HUB_MEETING_MISSES_PER_USER), then only 429s.
    assert statuses.count(404) == 20 and statuses.count(429) == SCAN - 20
    limited = next(r for r in answers if r.status == 429)
    assert (await limited.json())["error"]["code"] == "too_many_lookups"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another user on the same address has what is left of the address's budget (30).
    async with new_browser(client) as eve:
        await login(eve, sim.url, "eve")
        seen = [(await eve.get(f"/api/meetings/{n:05d}")).status for n in range(50, 70)]
        assert seen.count(404) == 30 - 20 and seen.count(429) == 10
        # A meeting of one's own still opens while throttled.
        own = await ok(await eve.post("/api/meetings", json={"title": "mine"}), 201)
        await ok(await eve.get(f"/api/meetings/{own['number']}"))


async def test_passcode_department_and_invited_meetings(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    db = client.app[DB]
    await login(client, sim.url, "org")
    for bad in ("12", "1234567", "12a4", 1234, "１２３４"):
        resp = await client.post("/api/meetings", json={"title": "x", "passcode": bad})
        assert await error_code(resp, 400) == "bad_passcode"
    resp = await client.post("/api/meetings", json={"title": "x", "access": "everyone"})
    assert await error_code(resp, 400) == "bad_access"
    made = await ok(
        await client.post("/api/meetings", json={"title": "董事会", "passcode": "8642"}), 201
    )
    number = made["number"]
    assert made["passcode"] == "8642" and made["has_passcode"] and made["access"] == "open"
    async with new_browser(client) as guest, new_browser(client) as colleague:
        await login(guest, sim.url, "guest")
        join = f"/api/meetings/{number}/join"
        assert await error_code(await guest.post(join), 404) == "not_found"
        assert await error_code(await guest.post(join, json={"passcode": "0000"}), 404)
        joined = await ok(await guest.post(join, json={"passcode": "8642"}))
        # Attendees learn that there is a passcode, never the passcode itself.
        assert joined["has_passcode"] and "passcode" not in joined and "invited" not in joined

        # Invited only: the organizer names userids; the passcode is taken away.
        access = f"/api/meetings/{number}/access"
        body = {"passcode": None, "access": "invited", "invited": ["colleague", "other"]}
        changed = await ok(await client.put(access, json=body))
        assert changed["access"] == "invited" and changed["passcode"] is None
        assert changed["invited"] == ["colleague", "other"]
        assert await error_code(await guest.put(access, json=body), 403) == "forbidden"
        await login(colleague, sim.url, "colleague")
        await ok(await colleague.post(join))
        async with new_browser(client) as stranger:
            await login(stranger, sim.url, "stranger")
            assert await error_code(await stranger.post(join), 404) == "not_found"

            # Department only: WeCom departments of the organizer and the joiner.
            await ok(await client.put(access, json={"access": "department"}))
            org = await get_user_by_userid(db, "org")
            someone = await get_user_by_userid(db, "stranger")
            assert org and someone
            async with db.transaction() as tx:
                await set_user_departments(tx, org.id, [2, 7])
                await set_user_departments(tx, someone.id, [3])
            assert await error_code(await stranger.post(join), 404) == "not_found"
            async with db.transaction() as tx:
                await set_user_departments(tx, someone.id, [3, 7])
            await ok(await stranger.post(join))


async def test_departments_from_a_wecom_user_answer_open_a_department_meeting(
    db: Database,
) -> None:
    now = time.time()
    org, member, outsider = [await upsert_login(db, u, None, now) for u in ("o", "m", "x")]
    assert await remember_departments(db, org.id, {"userid": "o", "department": [5, 9]})
    assert await remember_departments(db, member.id, {"userid": "m", "department": [9, True]})
    assert not await remember_departments(db, outsider.id, {"userid": "x"})
    assert departments_in({"department": ["1", -2, 3]}) == [3]
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, 31337, "t", org.id, now, access="department")
    assert await may_join(db, meeting, member, None)
    assert not await may_join(db, meeting, outsider, None)
    # A later sign-in replaces the list: moved out of department 9, out of the meeting.
    await remember_departments(db, member.id, {"department": [4]})
    assert not await may_join(db, meeting, member, None)
