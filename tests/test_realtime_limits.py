"""Limits of the meeting websocket: bad frames, flooding, slow readers, shutdown, meeting end."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import WSMsgType

from hub.events import EVENTS
from hub.realtime.rooms import MEETING_ENDED, REALTIME
from hub.simulator import RunningSimulator
from tests.fixtures_realtime import (
    connect_ticket,
    eventually,
    frame_of,
    make_meeting,
    make_user,
)
from tests.helpers_auth import sim_settings


async def test_bad_frames_get_error_frames_and_the_connection_stays(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    user = await make_user(client.app, "zhangsan")
    meeting = await make_meeting(client.app, user)
    async with aiohttp.ClientSession() as session:
        ws = await connect_ticket(client, session, user, meeting)
        await frame_of(ws, "hello")
        cases: list[tuple[Any, str]] = [
            ("not json", "bad_json"),
            ("[1, 2]", "unknown_type"),
            ('{"type": "shout"}', "unknown_type"),
            ('{"no": "type"}', "unknown_type"),
            ('{"type": "chat", "text": ""}', "bad_text"),
            ('{"type": "chat", "text": "   "}', "bad_text"),
            ('{"type": "chat", "text": 5}', "bad_text"),
            ('{"type": "chat", "text": "' + "x" * 2001 + '"}', "bad_text"),
            ('{"type": "chat", "text": "ok", "client_id": ""}', "bad_client_id"),
            ('{"type": "chat", "text": "ok", "client_id": 7}', "bad_client_id"),
            (b"\x00binary", "bad_frame"),
        ]
        for data, code in cases:
            if isinstance(data, bytes):
                await ws.send_bytes(data)
            else:
                await ws.send_str(data)
            error = await frame_of(ws, "error")
            assert error["code"] == code, (data, error)
            assert "Traceback" not in error["message"]
        await ws.send_json({"type": "chat", "text": "x" * 2000})  # exactly the limit is fine
        assert len((await frame_of(ws, "chat"))["text"]) == 2000
        await ws.send_json({"type": "ping"})
        assert (await frame_of(ws, "pong")) == {"type": "pong"}
        await ws.send_str("x" * (64 * 1024 + 1))  # past the frame limit: closed, not parsed
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.CLOSE and msg.data == 1009
        await ws.close()


async def test_a_flooding_client_is_warned_then_closed_with_1008(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    user = await make_user(client.app, "zhangsan")
    meeting = await make_meeting(client.app, user)
    async with aiohttp.ClientSession() as session:
        ws = await connect_ticket(client, session, user, meeting)
        await frame_of(ws, "hello")
        for _ in range(100):
            await ws.send_json({"type": "ping"})
        kinds: list[str] = []
        while True:
            msg = await ws.receive(timeout=5)
            if msg.type is not WSMsgType.TEXT:
                break
            kinds.append(msg.json()["type"])
        assert msg.type is WSMsgType.CLOSE and msg.data == 1008
        assert 15 <= kinds.count("pong") <= 25  # the burst, then nothing more
        assert "error" in kinds


async def test_a_slow_client_is_closed_while_the_others_keep_receiving(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    app = client.app
    hub = app[REALTIME]
    hub.buffer_limit = 64 * 1024  # a small bound fills sooner; the logic is the same
    fast_user, slow_user = await make_user(app, "fast"), await make_user(app, "slow")
    meeting = await make_meeting(app, fast_user, slow_user)
    async with aiohttp.ClientSession() as session:
        fast = await connect_ticket(client, session, fast_user, meeting)
        slow = await connect_ticket(client, session, slow_user, meeting)
        await frame_of(fast, "hello")
        await frame_of(slow, "hello")
        await eventually(lambda: len(hub.clients(meeting.id)) == 2)
        filler = "x" * 60_000
        sent = 0
        # The slow client never reads: kernel buffers fill, then the hub's bound trips.
        while hub.dropped_slow == 0:
            assert sent < 2000, "the slow client was never dropped"
            sent += 1
            await app[EVENTS].meeting(meeting.id, {"type": "activity", "n": sent, "f": filler})
            got = await frame_of(fast, "activity")
            assert got["n"] == sent
        # The room goes on without it.
        assert len(hub.clients(meeting.id)) == 1
        await app[EVENTS].meeting(meeting.id, {"type": "activity", "n": -1})
        assert (await frame_of(fast, "activity"))["n"] == -1
        # When it finally reads, it finds the close code after what was buffered.
        while True:
            msg = await slow.receive(timeout=10)
            if msg.type is not WSMsgType.TEXT:
                break
        assert msg.type is WSMsgType.CLOSE and msg.data == 1013
        await fast.close()
        await slow.close()


async def test_shutdown_closes_every_client_with_going_away(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    users = [await make_user(client.app, f"u{i}") for i in range(3)]
    meeting = await make_meeting(client.app, *users)
    async with aiohttp.ClientSession() as session:
        sockets = [await connect_ticket(client, session, u, meeting) for u in users]
        for ws in sockets:
            await frame_of(ws, "hello")

        async def close_code(ws: aiohttp.ClientWebSocketResponse) -> int | None:
            while True:
                msg = await ws.receive(timeout=15)
                if msg.type is WSMsgType.CLOSE:
                    return int(msg.data)
                if msg.type is not WSMsgType.TEXT:
                    return None

        waiting = [asyncio.create_task(close_code(ws)) for ws in sockets]
        await client.close()
        assert await asyncio.gather(*waiting) == [1001, 1001, 1001]


async def test_ending_the_meeting_closes_its_sockets_after_the_ended_frame(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    user = await make_user(client.app, "zhangsan")
    meeting = await make_meeting(client.app, user)
    async with aiohttp.ClientSession() as session:
        ws = await connect_ticket(client, session, user, meeting)
        await frame_of(ws, "hello")
        await client.app[EVENTS].activity(meeting.id, "meeting", "ended", {}, closes=True)
        assert (await frame_of(ws, "activity"))["event"] == "ended"
        msg = await ws.receive(timeout=5)
        while msg.type is WSMsgType.TEXT:
            msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.CLOSE and msg.data == MEETING_ENDED
