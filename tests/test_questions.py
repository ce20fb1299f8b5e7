"""Audience Q&A over real HTTP and websockets, on SQLite and MariaDB: exact upvotes with 300
people at once, unvote, moderation, anonymous authors and blocked words."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

from hub.keys import DB
from hub.simulator import RunningSimulator
from tests.fixtures_activities import error_code, ok, room
from tests.helpers_auth import sim_settings

CROWD = 300


async def _status(browser: Any, url: str) -> int:
    async with browser.post(url, json={}) as resp:
        await resp.read()
        return int(resp.status)


async def _ask(browser: Any, number: str, text: str, anonymous: bool = False) -> Any:
    body = {"text": text, "anonymous": anonymous}
    return await ok(await browser.post(f"/api/meetings/{number}/questions", json=body), 201)


async def test_300_upvoters_count_exactly_and_twice_counts_once(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, CROWD) as r:
        asked = await _ask(r.attendees[0], r.number, "下一版什么时候发布？")
        url = f"/api/questions/{asked['id']}"
        # Everyone upvotes twice at the same moment: each upvote counts once.
        calls = [_status(b, f"{url}/upvote") for b in r.attendees for _ in range(2)]
        assert set(await asyncio.gather(*calls)) == {200}
        final = await ok(await r.attendees[5].get(url))
        assert final["upvotes"] == CROWD and final["my_upvote"] is True
        stored = await client.app[DB].fetchval(
            "SELECT COUNT(*) FROM question_vote WHERE question_id = ?", (asked["id"],)
        )
        assert int(stored) == CROWD

        # A third of them take it back at once (twice each): the count is restored exactly.
        leaving = r.attendees[:100]
        calls = [_status(b, f"{url}/unvote") for b in leaving for _ in range(2)]
        assert set(await asyncio.gather(*calls)) == {200}
        after = await ok(await leaving[0].get(url))
        assert after["upvotes"] == CROWD - 100 and after["my_upvote"] is False
        listed = await ok(await client.get(f"/api/meetings/{r.number}"))
        assert listed["activities"]["questions"][0]["upvotes"] == CROWD - 100


async def test_unapproved_question_is_seen_by_its_author_and_the_organizer_only(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    async with room(client, sim.url, 2) as r:
        author, other = r.attendees
        await ok(
            await client.patch(f"/api/meetings/{r.number}/settings", json={"qa_moderation": True})
        )
        headers = {"Origin": settings.public_url}
        async with other.ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            assert json.loads((await ws.receive(timeout=10)).data)["type"] == "hello"
            asked = await _ask(author, r.number, "一个需要审核的秘密问题")
            assert asked["status"] == "pending" and asked["text"] == "一个需要审核的秘密问题"
            url = f"/api/questions/{asked['id']}"
            assert await error_code(await other.get(url), 404) == "not_found"
            seen = await ok(await other.get(f"/api/meetings/{r.number}"))
            assert seen["activities"]["questions"] == []
            assert await error_code(await other.post(f"{url}/upvote", json={}), 409) == "closed"
            by_org = await ok(await client.get(url))
            assert by_org["text"] == "一个需要审核的秘密问题"
            await ok(await client.post(f"{url}/approve", json={}))
            assert (await ok(await other.get(url)))["text"] == "一个需要审核的秘密问题"
            # The frames other attendees got before the approval never carried the text.
            frames = []
            while True:
                frame = json.loads((await ws.receive(timeout=10)).data)
                frames.append(frame)
                if frame.get("event") == "approved":
                    break
            before = [f for f in frames if f.get("event") == "created"]
            assert before and all("秘密" not in json.dumps(f, ensure_ascii=False) for f in before)


async def test_anonymous_author_is_never_revealed_to_the_organizer(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    async with room(client, sim.url, 2) as r:
        author, voter = r.attendees
        me = (await ok(await author.get("/api/me")))["user"]
        marks = {str(me["userid"]), str(me["name"])}
        headers = {"Origin": settings.public_url}
        async with client.ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            hello = await ws.receive(timeout=10)
            asked = await _ask(author, r.number, "匿名的问题", anonymous=True)
            assert asked["mine"] is True and asked["author"] is None
            await ok(await voter.post(f"/api/questions/{asked['id']}/upvote", json={}))
            seen: list[str] = [hello.data]
            while True:
                msg = await ws.receive(timeout=10)
                seen.append(msg.data)
                if '"updated"' in msg.data:
                    break
        seen.append(await (await client.get(f"/api/questions/{asked['id']}")).text())
        seen.append(await (await client.get(f"/api/meetings/{r.number}")).text())
        export = await client.get(
            f"/api/meetings/{r.number}/export.csv", params={"kind": "questions"}
        )
        rows = list(csv.reader(io.StringIO((await export.read()).decode("utf-8-sig"))))
        assert rows[1][1] == "匿名的问题" and rows[1][6:8] == ["", ""]
        question_text = [s for s in seen if "匿名的问题" in s]
        assert question_text
        for text in question_text:
            blob = json.loads(text) if text.startswith("{") else text
            dumped = json.dumps(blob, ensure_ascii=False)
            assert '"author": null' in dumped
            for mark in marks:
                assert f'"{mark}"' not in dumped, mark
        assert all(mark not in ",".join(rows[1]) for mark in marks)


async def test_blocked_words_are_masked_in_questions(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r:
        settings = f"/api/meetings/{r.number}/settings"
        await ok(await client.patch(settings, json={"blocked_words": ["笨蛋", "Spam"]}))
        asked = await _ask(r.attendees[0], r.number, "你这个笨蛋，SPAM 吗？")
        assert asked["text"] == "你这个＊＊，＊＊＊＊ 吗？"
        url = f"/api/questions/{asked['id']}"
        assert (await ok(await client.post(f"{url}/answer", json={})))["answered"] is True
        seen = await ok(await r.attendees[0].get(f"/api/meetings/{r.number}"))
        assert seen["activities"]["questions"][0]["answered"] is True
        await ok(await client.patch(settings, json={"qa": False}))
        refused = await r.attendees[0].post(
            f"/api/meetings/{r.number}/questions", json={"text": "还能问吗"}
        )
        assert await error_code(refused, 403) == "qa_off"


async def test_anonymous_asking_can_be_turned_off(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 1) as r:
        await ok(
            await client.patch(f"/api/meetings/{r.number}/settings", json={"qa_anonymous": False})
        )
        refused = await r.attendees[0].post(
            f"/api/meetings/{r.number}/questions", json={"text": "谁问的", "anonymous": True}
        )
        assert await error_code(refused, 403) == "anonymous_off"
        named = await _ask(r.attendees[0], r.number, "我问的")
        assert named["author"] and named["anonymous"] is False
