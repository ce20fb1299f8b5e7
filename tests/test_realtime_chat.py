"""Websocket chat on one hub: hello, chat, resume without gap or duplicate, idempotent resends."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from hub.keys import DB
from hub.realtime.rooms import REALTIME
from hub.simulator import RunningSimulator
from hub.storage.chat import last_seq
from hub.storage.users import get_user_by_userid
from tests.fixtures_realtime import (
    chats,
    connect_ticket,
    eventually,
    frame_of,
    make_meeting,
    make_user,
    next_frame,
    no_chat_within,
    origin,
)
from tests.helpers_auth import login, new_browser, sim_settings


async def test_two_signed_in_clients_chat(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    async with new_browser(client) as lisi_browser:
        await login(lisi_browser, sim.url, "lisi")
        db = client.app[DB]
        zhang = await get_user_by_userid(db, "zhangsan")
        lisi = await get_user_by_userid(db, "lisi")
        assert zhang and lisi
        meeting = await make_meeting(client.app, zhang, lisi)
        path = f"/ws/meetings/{meeting.number}"
        async with (
            client.ws_connect(path, headers=origin(client)) as a,
            lisi_browser.ws_connect(path, headers=origin(client)) as b,
        ):
            hello = await next_frame(a)
            assert hello == {"type": "hello", "you": zhang.as_json(), "last_seq": 0}
            assert (await next_frame(b))["you"]["userid"] == "lisi"

            await a.send_json({"type": "chat", "text": "你好", "client_id": "c-1"})
            for ws in (a, b):
                got = await frame_of(ws, "chat")
                assert got["seq"] == 1 and got["text"] == "你好" and got["client_id"] == "c-1"
                assert got["user"] == zhang.as_json() and got["ts"].endswith("Z")
            await b.send_json({"type": "chat", "text": "hi", "client_id": "c-2"})
            for ws in (a, b):
                got = await frame_of(ws, "chat")
                assert (got["seq"], got["user"]["userid"], got["text"]) == (2, "lisi", "hi")

            # Both see both online; a second tab of the same user counts once.
            async with lisi_browser.ws_connect(path, headers=origin(client)) as b2:
                await frame_of(b2, "hello")
                presence = await frame_of(b2, "presence")
                assert sorted(u["userid"] for u in presence["online"]) == ["lisi", "zhangsan"]
                assert presence["count"] == 2
        # The last one out unsubscribes this process from the meeting; nobody is online.
        hub = client.app[REALTIME]
        await eventually(lambda: meeting.id not in hub.rooms)

        async def nobody_online() -> bool:
            return len(await hub.online_users(meeting.id)) == 0

        await eventually(nobody_online)
        history = await client.get(f"/api/meetings/{meeting.number}/messages?after=1")
        body = await history.json()
        assert [m["text"] for m in body["messages"]] == ["hi"] and body["last_seq"] == 2


async def test_resume_gets_exactly_the_missed_messages_while_others_send(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    app = client.app
    users = [await make_user(app, f"u{i}") for i in range(4)]
    meeting = await make_meeting(app, *users)
    per_sender = 15
    async with aiohttp.ClientSession() as session:
        senders = [await connect_ticket(client, session, u, meeting) for u in users[:3]]
        reader = await connect_ticket(client, session, users[3], meeting)
        for ws in [*senders, reader]:
            await frame_of(ws, "hello")

        async def send_all(ws: aiohttp.ClientWebSocketResponse, name: str) -> None:
            for i in range(per_sender):
                await ws.send_json({"type": "chat", "text": f"{name}-{i}", "client_id": f"{i}"})
                await asyncio.sleep(0.01)

        sending = [asyncio.create_task(send_all(ws, f"s{n}")) for n, ws in enumerate(senders)]
        seen = await chats(reader, 5)
        cut = max(f["seq"] for f in seen)
        await reader.close()
        # Reconnect while the senders are still going: history after `cut`, then live.
        resumed = await connect_ticket(client, session, users[3], meeting, f"&after={cut}")
        hello = await frame_of(resumed, "hello")
        await asyncio.gather(*sending)
        total = 3 * per_sender

        async def all_stored() -> bool:
            # The last frames may still be on their way in when the senders finish writing.
            return await last_seq(app[DB], meeting.id) == total

        await eventually(all_stored)
        rest = await chats(resumed, total - cut)
        seqs = [f["seq"] for f in rest]
        assert sorted(seqs) == list(range(cut + 1, total + 1)), seqs
        assert seqs[: hello["last_seq"] - cut] == list(range(cut + 1, hello["last_seq"] + 1))
        await no_chat_within(resumed, 0.5)
        for ws in [*senders, resumed]:
            await ws.close()


async def test_a_resend_with_the_same_client_id_is_stored_once(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    app = client.app
    zhang, lisi = await make_user(app, "zhangsan"), await make_user(app, "lisi")
    meeting = await make_meeting(app, zhang, lisi)
    async with aiohttp.ClientSession() as session:
        a = await connect_ticket(client, session, zhang, meeting)
        b = await connect_ticket(client, session, lisi, meeting)
        await frame_of(a, "hello")
        await frame_of(b, "hello")
        frame = {"type": "chat", "text": "only once", "client_id": "retry-1"}
        await a.send_json(frame)
        first = await frame_of(a, "chat")
        await a.send_json(frame)  # the client never saw an ack and resends
        again = await frame_of(a, "chat")
        assert again == first and first["seq"] == 1
        assert (await frame_of(b, "chat"))["seq"] == 1
        await no_chat_within(b, 0.3)
        await a.send_json({"type": "chat", "text": "next", "client_id": "retry-2"})
        assert (await frame_of(b, "chat"))["seq"] == 2
        await a.close()
        await b.close()
    assert await last_seq(app[DB], meeting.id) == 2


async def test_history_route_pages_for_attendees_only(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    app = client.app
    zhang = await get_user_by_userid(app[DB], "zhangsan")
    assert zhang
    meeting = await make_meeting(app, zhang)
    base = f"/api/meetings/{meeting.number}/messages"
    async with client.ws_connect(f"/ws/meetings/{meeting.number}", headers=origin(client)) as ws:
        await frame_of(ws, "hello")
        for i in range(5):
            await ws.send_json({"type": "chat", "text": f"m{i}", "client_id": f"k{i}"})
        await chats(ws, 5)
    body = await (await client.get(f"{base}?after=1&limit=2")).json()
    assert [m["seq"] for m in body["messages"]] == [2, 3]
    assert set(body["messages"][0]) == {"seq", "user", "text", "ts", "client_id"}
    for bad in ("limit=0", "limit=201", "after=-1", "after=x"):
        resp = await client.get(f"{base}?{bad}")
        assert resp.status == 400, bad
        assert (await resp.json())["error"]["code"] == "bad_request"
    async with new_browser(client) as other:
        assert (await other.get(base)).status == 401
        await login(other, sim.url, "outsider")
        assert (await other.get(base)).status == 404  # the same as a free number (F2)
