"""Open meetings (issue 21): the `guests` setting, nickname guests, their cap and per-IP budget."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from hub.keys import DB
from hub.storage.identities import GUEST, count_guests
from hub.storage.meetings import meeting_by_number
from hub.storage.users import get_user
from tests.conftest import AppClient
from tests.fixtures_activities import error_code, ok
from tests.fixtures_realtime import frame_of
from tests.fixtures_sim import Sim
from tests.helpers_auth import login, new_browser, sim_settings
from tests.test_mp_login import bearer, mp_login
from tests.test_wechat_oa import oa_login


async def open_meeting(client: TestClient[Any, Any], sim: Sim, guests: str | None = None) -> str:
    """zhangsan opens a meeting (on the client's own jar) with this `guests` setting."""
    await login(client, sim.url, "zhangsan")
    created = await ok(await client.post("/api/meetings", json={"title": "开放日"}), 201)
    number: str = created["number"]
    if guests is not None:
        await set_guests(client, number, guests)
    return number


async def set_guests(client: TestClient[Any, Any], number: str, guests: str) -> None:
    """The organizer changes the meeting's `guests` setting."""
    changed = await ok(
        await client.patch(f"/api/meetings/{number}/settings", json={"guests": guests})
    )
    assert changed["guests"] == guests


async def guest_join(browser: Any, number: str, nickname: str = "访客") -> aiohttp.ClientResponse:
    """A visitor asks to join as a guest."""
    resp: aiohttp.ClientResponse = await browser.post(
        f"/api/meetings/{number}/guest", json={"nickname": nickname}
    )
    return resp


async def test_each_guests_setting_lets_in_exactly_whom_it_should(
    sim: Sim, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    number = await open_meeting(client, sim)
    join = f"/api/meetings/{number}/join"
    mp = bearer((await mp_login(client, sim, "xiaoming"))["token"])
    async with (
        new_browser(client) as phone,
        new_browser(client) as wechat,
        new_browser(client) as visitor,
        new_browser(client) as colleague,
    ):
        await oa_login(wechat, "xiaohong")
        await login(colleague, sim.url, "lisi")
        # wecom (the default): members only; a WeChat user is refused like a free number.
        assert await error_code(await phone.post(join, headers=mp), 404) == "not_found"
        assert await error_code(await wechat.post(join), 404) == "not_found"
        assert await error_code(await guest_join(visitor, number), 403) == "guests_not_allowed"
        await ok(await colleague.post(join))
        # wechat: mini-program and 公众号 users too, but no nickname guest.
        await set_guests(client, number, "wechat")
        await ok(await phone.post(join, headers=mp))
        await ok(await wechat.post(join))
        assert await error_code(await guest_join(visitor, number), 403) == "guests_not_allowed"
        # anyone: a visitor with a nickname only, signed in by a session cookie.
        await set_guests(client, number, "anyone")
        seated = await ok(await guest_join(visitor, number, "路人甲"))
        assert seated["number"] == number
        me = (await ok(await visitor.get("/api/me")))["user"]
        assert me["name"] == "路人甲" and me["userid"].startswith("guest:")
        stored = await get_user(client.app[DB], me["id"])
        assert stored is not None and stored.provider == GUEST
        # Tapping again is the same guest, not a second one.
        again = await ok(await guest_join(visitor, number, "路人甲"))
        assert again["number"] == number and (await visitor.get("/api/me")).status == 200
        meeting = await meeting_by_number(client.app[DB], number)
        assert meeting is not None and await count_guests(client.app[DB], meeting.id) == 1
        # The guest chats through the same socket as everyone (a ws ticket, no Origin).
        ticket = await ok(await visitor.post(f"/api/meetings/{number}/ws-ticket"), 201)
        async with (
            aiohttp.ClientSession() as plain,
            plain.ws_connect(client.make_url(ticket["url"])) as ws,
        ):
            assert (await frame_of(ws, "hello"))["you"]["id"] == me["id"]
    # The organizer's export marks where each person came from.
    resp = await client.get(f"/api/meetings/{number}/export.csv", params={"kind": "people"})
    assert resp.status == 200
    rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    providers = {row["userid"].partition(":")[0]: row["provider"] for row in rows}
    assert providers == {
        "zhangsan": "wecom",
        "lisi": "wecom",
        "mp": "miniprogram",
        "oa": "wechat",
        "guest": "guest",
    }


async def test_guest_input_and_unknown_numbers(
    sim: Sim, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    number = await open_meeting(client, sim, "anyone")
    async with new_browser(client) as visitor:
        for body in ({}, {"nickname": ""}, {"nickname": "x" * 33}, {"nickname": 5}):
            resp = await visitor.post(f"/api/meetings/{number}/guest", json=body)
            assert resp.status == 400, await resp.text()
        bad_avatar = {"nickname": "甲", "avatar": "javascript:alert(1)"}
        resp = await visitor.post(f"/api/meetings/{number}/guest", json=bad_avatar)
        assert resp.status == 400
        free = "99999" if number != "99999" else "99998"
        assert (await guest_join(visitor, free)).status == 404
        assert (await guest_join(visitor, "12ab")).status == 404
        avatar = {"nickname": "乙", "avatar": "https://example.com/a.png"}
        await ok(await visitor.post(f"/api/meetings/{number}/guest", json=avatar))
        assert (await ok(await visitor.get("/api/me")))["user"]["avatar"].endswith("/a.png")


async def test_guests_cannot_create_or_organize(
    sim: Sim, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    number = await open_meeting(client, sim, "anyone")
    mp = bearer((await mp_login(client, sim, "laowang"))["token"])
    async with new_browser(client) as visitor, new_browser(client) as phone:
        await ok(await guest_join(visitor, number))
        create = {"title": "我的会"}
        refused = await visitor.post("/api/meetings", json=create)
        assert await error_code(refused, 403) == "guests_cannot_create"
        refused = await phone.post("/api/meetings", json=create, headers=mp)
        assert await error_code(refused, 403) == "guests_cannot_create"
        for method, path, body in (
            ("PATCH", f"/api/meetings/{number}/settings", {"guests": "wecom"}),
            ("POST", f"/api/meetings/{number}/end", None),
            ("PUT", f"/api/meetings/{number}/access", {"access": "open"}),
        ):
            resp = await visitor.request(method, path, json=body)
            assert resp.status == 403, (path, await resp.text())


async def test_an_admin_may_let_wechat_users_create(
    sim: Sim, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, wechat_may_create=True))
    number = await open_meeting(client, sim, "anyone")
    mp = bearer((await mp_login(client, sim, "laowang"))["token"])
    async with new_browser(client) as visitor, new_browser(client) as phone:
        await ok(await phone.post("/api/meetings", json={"title": "小程序的会"}, headers=mp), 201)
        await ok(await guest_join(visitor, number))
        refused = await visitor.post("/api/meetings", json={"title": "访客的会"})
        assert await error_code(refused, 403) == "guests_cannot_create"


async def test_the_guest_cap_holds_under_a_rush(
    sim: Sim, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    settings = sim_settings(
        make_settings, sim.url, database_url=db_url, guests_per_meeting=7, guests_per_ip=1000
    )
    client = await hub_client(settings)
    number = await open_meeting(client, sim, "anyone")

    async def visitor(i: int) -> int:
        async with new_browser(client) as browser:
            resp = await guest_join(browser, number, f"访客{i}")
            if resp.status == 409:
                assert (await resp.json())["error"]["code"] == "guests_full"
            return resp.status

    statuses = await asyncio.gather(*(visitor(i) for i in range(30)))
    assert statuses.count(200) == 7 and statuses.count(409) == 23
    meeting = await meeting_by_number(client.app[DB], number)
    assert meeting is not None and await count_guests(client.app[DB], meeting.id) == 7
    # Members are not guests: they still join a full meeting.
    async with new_browser(client) as colleague:
        await login(colleague, sim.url, "lisi")
        await ok(await colleague.post(f"/api/meetings/{number}/join"))


async def test_the_per_ip_budget_holds(
    sim: Sim, make_settings: Any, hub_client: AppClient, cache_url: str | None
) -> None:
    settings = sim_settings(make_settings, sim.url, redis_url=cache_url, guests_per_ip=4)
    client = await hub_client(settings)
    number = await open_meeting(client, sim, "anyone")

    async def visitor(i: int) -> aiohttp.ClientResponse:
        async with new_browser(client) as browser:
            resp = await guest_join(browser, number, f"访客{i}")
            await resp.read()
            return resp

    answers = await asyncio.gather(*(visitor(i) for i in range(10)))
    statuses = [resp.status for resp in answers]
    assert statuses.count(200) == 4 and statuses.count(429) == 6
    limited = next(resp for resp in answers if resp.status == 429)
    assert int(limited.headers["Retry-After"]) >= 1
