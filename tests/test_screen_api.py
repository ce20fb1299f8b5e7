"""The big screen over HTTP and websockets: presenting, meeting settings, screen links."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp

from hub.keys import DB
from hub.simulator import RunningSimulator
from tests.helpers_auth import login, new_browser, sim_settings

ORIGIN = {"Origin": "http://127.0.0.1:8080"}


async def _error(resp: Any, status: int) -> str:
    assert resp.status == status, (resp.status, await resp.text())
    code: str = (await resp.json())["error"]["code"]
    return code


async def _ok(resp: Any, status: int = 200) -> Any:
    assert resp.status == status, (resp.status, await resp.text())
    return await resp.json()


async def _meeting(client: Any, title: str = "大屏") -> str:
    number: str = (await _ok(await client.post("/api/meetings", json={"title": title}), 201))[
        "number"
    ]
    return number


async def _organizer_with_a_meeting(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> tuple[Any, str]:
    """张三, signed in to a fresh hub on `db_url`, and the number of the meeting they opened."""
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "zhangsan")
    return client, await _meeting(client)


async def _frame(ws: Any, kind: str) -> dict[str, Any]:
    """The next frame of this type (others, such as presence, are skipped)."""
    while True:
        msg = await ws.receive(timeout=10)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        frame: dict[str, Any] = msg.json()
        if frame["type"] == kind:
            return frame


async def test_presenting_follows_the_organizer_and_new_activities_only(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    await login(client, sim.url, "zhangsan")
    number = await _meeting(client)
    path = f"/api/meetings/{number}/presenting"
    assert await _ok(await client.get(path)) == {"show": "join"}
    # Every declared key with its default; this key is auto_present, on.
    settings_before = await _ok(await client.get(f"/api/meetings/{number}/settings"))
    assert settings_before["auto_present"] is True

    async with new_browser(client) as lisi, new_browser(client) as anon:
        await login(lisi, sim.url, "lisi")
        await _ok(await lisi.post(f"/api/meetings/{number}/join"))
        assert await _error(await lisi.get(path), 403) == "forbidden"
        assert await _error(await lisi.put(path, json={"show": "chat"}), 403) == "forbidden"
        assert await _error(await anon.get(path), 401) == "unauthorized"
        settings_path = f"/api/meetings/{number}/settings"
        assert await _error(await lisi.get(settings_path), 403) == "forbidden"
        patch = await lisi.patch(settings_path, json={"auto_present": False})
        assert await _error(patch, 403) == "forbidden"

        ws = await lisi.ws_connect(f"/ws/meetings/{number}", headers=ORIGIN)
        assert await _ok(await client.put(path, json={"show": "chat"})) == {"show": "chat"}
        frame = await _frame(ws, "presenting")
        assert frame == {"type": "presenting", "show": "chat", "auto_present": True, "version": 1}
        assert await _ok(await client.get(path)) == {"show": "chat"}

        # A new activity takes the screen (auto_present); votes never move it.
        poll = await _ok(
            await client.post(
                f"/api/meetings/{number}/polls", json={"question": "午饭", "options": ["面", "饭"]}
            ),
            201,
        )
        poll_on = {"show": "activity", "kind": "poll", "id": poll["id"]}
        assert await _ok(await client.get(path)) == poll_on
        await _ok(await client.put(path, json={"show": "blank"}))
        vote = {"option_ids": [poll["options"][0]["id"]]}
        await _ok(await lisi.post(f"/api/polls/{poll['id']}/vote", json=vote))
        assert await _ok(await client.get(path)) == {"show": "blank"}
        await _ok(await client.put(path, json=poll_on))
        rating = await _ok(
            await client.post(
                f"/api/meetings/{number}/ratings", json={"subject": "分享", "max": 5}
            ),
            201,
        )
        await _ok(await lisi.post(f"/api/ratings/{rating['id']}/score", json={"score": 4}))
        rating_on = {"show": "activity", "kind": "rating", "id": rating["id"]}
        assert await _ok(await client.get(path)) == rating_on
        await ws.close()

    # Turned off: what is on screen stays, and new activities no longer take it.
    unchanged = await client.patch(f"/api/meetings/{number}/settings", json={})
    assert await _ok(unchanged) == settings_before
    changed = await client.patch(f"/api/meetings/{number}/settings", json={"auto_present": False})
    assert await _ok(changed) == {**settings_before, "auto_present": False}
    assert await _ok(await client.get(path)) == rating_on
    later = {"question": "晚饭", "options": ["面", "饭"]}
    await _ok(await client.post(f"/api/meetings/{number}/polls", json=later), 201)
    assert await _ok(await client.get(path)) == rating_on

    # Bad input is a 400 with a stable code, never a 500.
    patch_path = f"/api/meetings/{number}/settings"
    assert await _error(await client.patch(patch_path, json={"nope": 1}), 400) == "unknown_setting"
    assert await _error(await client.patch(patch_path, json={"auto_present": "yes"}), 400)
    for body in (
        {},
        {"show": "film"},
        {"show": "chat", "kind": "poll"},
        {"show": "activity", "kind": "no_such_kind", "id": 1},
        {"show": "activity", "kind": "poll", "id": "1"},
        {"show": "activity", "kind": "poll", "id": True},
        {"show": "activity", "kind": "poll", "id": 0},
        {"show": "join", "extra": 1},
    ):
        assert await _error(await client.put(path, json=body), 400) == "bad_presenting", body
    missing = {"show": "activity", "kind": "poll", "id": 10**9}
    assert await _error(await client.put(path, json=missing), 400) == "bad_activity"
    other = await _meeting(client, "另一个会")
    foreign = await client.put(f"/api/meetings/{other}/presenting", json=poll_on)
    assert await _error(foreign, 400) == "foreign_activity"

    # A restart shows the same thing.
    again = await hub_client(settings)
    await login(again, sim.url, "zhangsan")
    assert await _ok(await again.get(path)) == rating_on
    assert (await _ok(await again.get(patch_path)))["auto_present"] is False


async def test_screen_links_open_the_screen_without_a_session_until_revoked(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client, number = await _organizer_with_a_meeting(sim, make_settings, hub_client, db_url)
    links = f"/api/meetings/{number}/screen-links"
    made = await _ok(await client.post(links, json={}), 201)
    assert set(made) == {"id", "url", "created_at"}
    match = re.fullmatch(r"/s/([A-Za-z0-9_-]{32})", made["url"])
    assert match is not None
    token = match.group(1)
    listed = await _ok(await client.get(links))
    assert listed == {"links": [{"id": made["id"], "created_at": made["created_at"]}]}
    # Stored hashed: the token itself is nowhere in the database.
    stored = await client.app[DB].fetchall("SELECT token_hash FROM screen_link")
    assert [len(r["token_hash"]) for r in stored] == [64]
    assert token not in str(stored)

    auth = {"Authorization": f"Screen {token}"}
    async with new_browser(client) as kiosk, new_browser(client) as lisi:
        page = await kiosk.get(made["url"])
        assert page.status == 200 and "screen" in await page.text()
        state = await _ok(await kiosk.get(f"/api/meetings/{number}/screen", headers=auth))
        assert state["meeting"]["number"] == number and state["controls"] is True
        assert state["presenting"] == {"show": "join"} and state["online"] == 0
        ws = await kiosk.ws_connect(f"/ws/screens?ticket={token}", headers=ORIGIN)
        assert (await _frame(ws, "hello"))["screen"] is True
        presence = await _frame(ws, "presence")
        assert presence["count"] == 0  # a screen is never online

        # The link drives the screen with its token alone (no cookie).
        path = f"/api/meetings/{number}/presenting"
        assert await _ok(await kiosk.put(path, json={"show": "chat"}, headers=auth)) == {
            "show": "chat"
        }
        assert (await _frame(ws, "presenting"))["show"] == "chat"
        assert await _ok(await kiosk.get(path, headers=auth)) == {"show": "chat"}
        # Only for its own meeting, and it opens nothing else.
        other = await _meeting(client, "另一个会")
        wrong = await kiosk.get(f"/api/meetings/{other}/presenting", headers=auth)
        assert await _error(wrong, 403) == "forbidden"
        assert await _error(await kiosk.get(f"/api/meetings/{number}"), 401) == "unauthorized"
        # Others may not manage links.
        await login(lisi, sim.url, "lisi")
        await _ok(await lisi.post(f"/api/meetings/{number}/join"))
        assert await _error(await lisi.post(links, json={}), 403) == "forbidden"
        assert await _error(await lisi.get(links), 403) == "forbidden"
        assert await _error(await lisi.delete(f"{links}/{made['id']}"), 403) == "forbidden"
        assert await _error(await client.post(links, json={"x": 1}), 400) == "bad_request"

        # Revoked: the open screen closes at once, with a code that says do not come back.
        resp = await client.delete(f"{links}/{made['id']}")
        assert resp.status == 204
        while (await ws.receive(timeout=10)).type is aiohttp.WSMsgType.TEXT:
            pass
        assert ws.close_code == 4410
        assert await _error(await client.delete(f"{links}/{made['id']}"), 404) == "not_found"
        assert await _ok(await client.get(links)) == {"links": []}
        gone = await kiosk.put(path, json={"show": "join"}, headers=auth)
        assert await _error(gone, 401) == "screen_link_invalid"
        page = await kiosk.get(made["url"])
        assert page.status == 410 and "投屏链接已失效" in await page.text()
        page = await kiosk.get("/s/" + "A" * 32)
        assert page.status == 404 and "投屏链接已失效" in await page.text()
        again = await kiosk.ws_connect(f"/ws/screens?ticket={token}", headers=ORIGIN)
        assert (await again.receive(timeout=10)).type is aiohttp.WSMsgType.CLOSE
        assert again.close_code == 4410


async def test_a_screen_is_no_attendee_and_not_online(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    number = await _meeting(client)
    async with new_browser(client) as own, new_browser(client) as stranger:
        # The organizer's own signed-in screen, in another browser: it watches, never counts.
        await login(own, sim.url, "zhangsan")
        assert (await own.get(f"/m/{number}/screen")).status == 200
        state = await _ok(await own.get(f"/api/meetings/{number}/screen"))
        assert state["controls"] is True
        ws = await own.ws_connect(f"/ws/meetings/{number}/screen", headers=ORIGIN)
        assert (await _frame(ws, "presence"))["count"] == 0
        await ws.send_json({"type": "chat", "text": "hi", "client_id": "x"})
        assert (await _frame(ws, "error"))["code"] == "read_only"
        details = await _ok(await client.get(f"/api/meetings/{number}"))
        assert [u["userid"] for u in details["attendees"]] == ["zhangsan"]
        assert details["online"] == []
        await ws.close()
        # Someone who never joined sees no screen: the number looks free, as everywhere.
        await login(stranger, sim.url, "wangwu")
        gone = await stranger.get(f"/api/meetings/{number}/screen")
        assert await _error(gone, 404) == "not_found"
        free = await stranger.get("/api/meetings/99999/screen")
        assert await _error(free, 404) == "not_found"
        page = await stranger.get(f"/m/{number}/screen")
        assert page.status == 200 and "没有这个会议" in await page.text()
        refused = await stranger.get(f"/ws/meetings/{number}/screen", headers=ORIGIN)
        assert refused.status == 404
        details = await _ok(await client.get(f"/api/meetings/{number}"))
        assert [u["userid"] for u in details["attendees"]] == ["zhangsan"]


async def test_revoking_a_link_closes_its_screens_on_every_process(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, redis_url: str
) -> None:
    # Two processes behind one Redis and one database: the screen is open on the second.
    settings = sim_settings(make_settings, sim.url, redis_url=redis_url)
    first = await hub_client(settings)
    second = await hub_client(settings)
    await login(first, sim.url, "zhangsan")
    number = await _meeting(first)
    made = await _ok(await first.post(f"/api/meetings/{number}/screen-links", json={}), 201)
    token = made["url"].rsplit("/", 1)[1]
    ws = await second.ws_connect(f"/ws/screens?ticket={token}", headers=ORIGIN)
    await _frame(ws, "presence")
    # A presenting change made on the first process reaches it too.
    path = f"/api/meetings/{number}/presenting"
    await _ok(await first.put(path, json={"show": "blank"}))
    assert (await _frame(ws, "presenting"))["show"] == "blank"
    resp = await first.delete(f"/api/meetings/{number}/screen-links/{made['id']}")
    assert resp.status == 204
    while (await ws.receive(timeout=10)).type is aiohttp.WSMsgType.TEXT:
        pass
    assert ws.close_code == 4410


async def test_concurrent_choices_get_distinct_rising_versions(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client, number = await _organizer_with_a_meeting(sim, make_settings, hub_client, db_url)
    path = f"/api/meetings/{number}/presenting"
    ws = await client.ws_connect(f"/ws/meetings/{number}/screen", headers=ORIGIN)
    shows = ["join", "chat", "blank"] * 10
    answers = await asyncio.gather(*(client.put(path, json={"show": s}) for s in shows))
    assert [a.status for a in answers] == [200] * len(shows)
    versions = [(await _frame(ws, "presenting"))["version"] for _ in shows]
    # Every choice got its own version, and the screen can tell which came last.
    assert sorted(versions) == list(range(1, len(shows) + 1))
    state = await _ok(await client.get(f"/api/meetings/{number}/screen"))
    assert state["presenting_version"] == len(shows)
    await ws.close()


async def test_deleting_an_activity_keeps_the_organizers_choice_and_the_auto_rule(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client, number = await _organizer_with_a_meeting(sim, make_settings, hub_client, db_url)
    path = f"/api/meetings/{number}/presenting"

    async def create(plural: str, body: dict[str, Any]) -> dict[str, Any]:
        made: dict[str, Any] = await _ok(
            await client.post(f"/api/meetings/{number}/{plural}", json=body), 201
        )
        return made

    def on(kind: str, made: dict[str, Any]) -> dict[str, Any]:
        return {"show": "activity", "kind": kind, "id": made["id"]}

    async def delete_and_see(plural: str, made: dict[str, Any]) -> dict[str, Any]:
        """Delete; the `presenting` frame every socket gets must say what GET says."""
        await _ok(await client.delete(f"/api/{plural}/{made['id']}"))
        pushed = await _frame(ws, "presenting")
        shown: dict[str, Any] = await _ok(await client.get(path))
        assert {k: pushed[k] for k in shown} == shown
        return shown

    ws = await client.ws_connect(f"/ws/meetings/{number}", headers=ORIGIN)
    older = await create("ratings", {"subject": "开场", "max": 5})
    await _ok(await client.put(path, json={"show": "chat"}))
    await _frame(ws, "presenting")
    poll = await create("polls", {"question": "午饭", "options": ["面", "饭"]})
    assert await _ok(await client.get(path)) == on("poll", poll)
    # An older activity goes: the new poll auto_present put on screen stays there.
    assert await delete_and_see("ratings", older) == on("poll", poll)
    # The poll on screen goes: the organizer's chat comes back, not the join page.
    assert await delete_and_see("polls", poll) == {"show": "chat"}
    # And the next new activity still takes the screen.
    newer = await create("ratings", {"subject": "收尾", "max": 5})
    assert await _ok(await client.get(path)) == on("rating", newer)
    # Chosen by hand, then deleted: the join page (there is no earlier choice to give back).
    await _ok(await client.put(path, json=on("rating", newer)))
    await _frame(ws, "presenting")
    assert await delete_and_see("ratings", newer) == {"show": "join"}
    await ws.close()
