"""Chat moderation and the pinned announcement over real HTTP and websockets, on SQLite and
MariaDB: a deleted message leaves every client and stays marked in the export, a muted attendee
is refused with `muted` until the mute ends, slow mode, blocked words, the pin."""

from __future__ import annotations

import csv
import io
from typing import Any

from hub.clock import Clock
from hub.simulator import RunningSimulator
from tests.fixtures_activities import error_code, ok, room
from tests.fixtures_realtime import frame_of
from tests.helpers_auth import sim_settings


async def _socket(browser: Any, number: str, origin: str) -> Any:
    ws = await browser.ws_connect(f"/ws/meetings/{number}", headers={"Origin": origin})
    assert (await frame_of(ws, "hello"))["type"] == "hello"
    return ws


async def test_deleted_message_leaves_other_clients_and_stays_marked_in_the_export(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    async with room(client, sim.url, 2) as r:
        sender, reader = r.attendees
        ws_sender = await _socket(sender, r.number, settings.public_url)
        ws_reader = await _socket(reader, r.number, settings.public_url)
        try:
            await ws_sender.send_json({"type": "chat", "text": "广告：买买买"})
            seq = (await frame_of(ws_reader, "chat"))["seq"]
            url = f"/api/meetings/{r.number}/messages/{seq}"
            assert await error_code(await sender.delete(url), 403)
            assert (await ok(await client.delete(url)))["deleted"] is True
            gone = await frame_of(ws_reader, "chat_deleted")
            assert gone == {"type": "chat_deleted", "seq": seq}
            assert (await frame_of(ws_sender, "chat_deleted"))["seq"] == seq
        finally:
            await ws_sender.close()
            await ws_reader.close()
        history = await ok(await reader.get(f"/api/meetings/{r.number}/messages"))
        [message] = history["messages"]
        assert message["deleted"] is True and message["text"] == ""
        missing = f"/api/meetings/{r.number}/messages/{seq + 5}"
        assert await error_code(await client.delete(missing), 404)
        export = await client.get(f"/api/meetings/{r.number}/export.csv", params={"kind": "chat"})
        rows = list(csv.reader(io.StringIO((await export.read()).decode("utf-8-sig"))))
        header = rows[0]
        message = dict(zip(header, rows[1], strict=True))
        assert message["text"] == "广告：买买买" and message["deleted_at"]


async def test_muted_attendee_is_refused_until_the_mute_ends(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    clock = Clock()
    client = await hub_client(settings, clock)
    async with room(client, sim.url, 2) as r:
        flooder, other = r.attendees
        ws = await _socket(flooder, r.number, settings.public_url)
        try:
            mutes = f"/api/meetings/{r.number}/mutes"
            bad = await client.post(mutes, json={"userid": "a0", "minutes": 0})
            assert await error_code(bad, 400)
            unknown = await client.post(mutes, json={"userid": "nobody", "minutes": 5})
            assert await error_code(unknown, 404)
            assert await error_code(
                await other.post(mutes, json={"userid": "a0", "minutes": 1}), 403
            )
            await ok(await client.post(mutes, json={"userid": "a0", "minutes": 1}), 201)
            told = await frame_of(ws, "muted")
            assert told["userid"] == "a0" and told["until"]
            await ws.send_json({"type": "chat", "text": "还想说"})
            refused = await frame_of(ws, "error")
            assert refused["code"] == "muted"
            clock.advance(61)
            await ws.send_json({"type": "chat", "text": "禁言结束了"})
            assert (await frame_of(ws, "chat"))["text"] == "禁言结束了"
        finally:
            await ws.close()


async def test_slow_mode_and_blocked_words_in_chat(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    settings = sim_settings(make_settings, sim.url)
    client = await hub_client(settings)
    async with room(client, sim.url, 1) as r:
        body = {"slow_mode_s": 60, "blocked_words": ["傻瓜"]}
        await ok(await client.patch(f"/api/meetings/{r.number}/settings", json=body))
        ws = await _socket(r.attendees[0], r.number, settings.public_url)
        try:
            await ws.send_json({"type": "chat", "text": "你是傻瓜吗"})
            assert (await frame_of(ws, "chat"))["text"] == "你是＊＊吗"
            await ws.send_json({"type": "chat", "text": "再说一句"})
            assert (await frame_of(ws, "error"))["code"] == "slow_mode"
        finally:
            await ws.close()


async def test_pin_reaches_every_client_and_a_refresh(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    async with room(client, sim.url, 1) as r:
        pin = f"/api/meetings/{r.number}/pin"
        assert (await ok(await r.attendees[0].get(pin)))["pin"] is None
        ws = await _socket(r.attendees[0], r.number, settings.public_url)
        try:
            assert await error_code(await r.attendees[0].put(pin, json={"text": "x"}), 403)
            assert await error_code(await client.put(pin, json={"text": "x" * 201}), 400)
            await ok(await client.put(pin, json={"text": "10:30 合影，请到大厅"}))
            framed = await frame_of(ws, "pin")
            assert framed["pin"]["text"] == "10:30 合影，请到大厅"
            again = await ok(await r.attendees[0].get(pin))
            assert again["pin"]["text"] == "10:30 合影，请到大厅"
            await ok(await client.delete(pin))
            assert (await frame_of(ws, "pin"))["pin"] is None
            assert (await ok(await r.attendees[0].get(pin)))["pin"] is None
        finally:
            await ws.close()
