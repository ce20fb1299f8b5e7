"""F8 and F12: sockets and chat are limited per user, not per connection, and a dropped slow
client that closes politely leaves no traceback."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest

from hub.keys import DB
from hub.realtime.rooms import TOO_MANY_SOCKETS, abort_if_stuck
from hub.simulator import RunningSimulator
from tests.conftest import AppClient
from tests.fixtures_realtime import connect_ticket, frame_of, make_meeting, make_user
from tests.helpers_auth import sim_settings


async def _close_code(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    msg = await ws.receive(timeout=10)
    while msg.type is aiohttp.WSMsgType.TEXT:
        msg = await ws.receive(timeout=10)
    return msg.data if msg.type is aiohttp.WSMsgType.CLOSE else None


async def test_a_sixth_socket_closes_the_users_oldest(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    app = client.app
    user, other = await make_user(app, "tabs"), await make_user(app, "other")
    meeting = await make_meeting(app, user, other)
    async with aiohttp.ClientSession() as session:
        sockets = []
        for _ in range(5):
            ws = await connect_ticket(client, session, user, meeting)
            await frame_of(ws, "hello")
            sockets.append(ws)
        theirs = await connect_ticket(client, session, other, meeting)
        await frame_of(theirs, "hello")
        sixth = await connect_ticket(client, session, user, meeting)
        await frame_of(sixth, "hello")
        assert await _close_code(sockets[0]) == TOO_MANY_SOCKETS
        # The others, and other users' sockets, stay: each still answers a ping.
        for ws in [*sockets[1:], sixth, theirs]:
            await ws.send_json({"type": "ping"})
            assert (await frame_of(ws, "pong"))["type"] == "pong"
        for ws in [*sockets, sixth, theirs]:
            await ws.close()


async def _send_and_count(ws: aiohttp.ClientWebSocketResponse, prefix: str, n: int) -> int:
    """Send n chat frames; how many were stored (echoed back) rather than refused."""
    for i in range(n):
        await ws.send_json({"type": "chat", "text": "flood", "client_id": f"{prefix}-{i}"})
    stored = refused = 0
    while stored + refused < n:
        frame = await _next_answer(ws, prefix)
        if frame["type"] == "error":
            assert frame["code"] == "rate_limited"
            refused += 1
        else:
            stored += 1
    return stored


async def _next_answer(ws: aiohttp.ClientWebSocketResponse, prefix: str) -> dict[str, Any]:
    """The next chat frame of this socket's own messages, or an error frame."""
    while True:
        msg = await ws.receive(timeout=10)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        frame: dict[str, Any] = msg.json()
        if frame["type"] == "error":
            return frame
        if frame["type"] == "chat" and str(frame.get("client_id", "")).startswith(prefix + "-"):
            return frame


async def test_chat_is_limited_per_user_across_sockets_and_processes(
    sim: RunningSimulator,
    make_settings: Any,
    hub_client: AppClient,
    redis_url: str,
    db_url: str,
) -> None:
    settings = sim_settings(
        make_settings,
        sim.url,
        database_url=db_url,
        redis_url=redis_url,
        chats_per_user=10,
        chat_window=600.0,
    )
    first = await hub_client(settings)
    second = await hub_client(settings)  # another process: same database and Redis
    user = await make_user(first.app, "flooder")
    meeting = await make_meeting(first.app, user)
    async with aiohttp.ClientSession() as session:
        sockets = [await connect_ticket(c, session, user, meeting) for c in (first, second) * 2]
        for ws in sockets:
            await frame_of(ws, "hello")
        # 4 sockets on 2 processes, 8 messages each: each socket stays under its own bucket.
        stored = await asyncio.gather(
            *(_send_and_count(ws, f"s{i}", 8) for i, ws in enumerate(sockets))
        )
        for ws in sockets:
            await ws.close()
    assert sum(stored) == 10
    count = await first.app[DB].fetchval(
        "SELECT COUNT(*) FROM chat_message WHERE meeting_id = ?", (meeting.id,)
    )
    assert int(count) == 10


async def test_a_slow_client_that_closes_politely_leaves_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The transport of a dropped client, closed with unsent data that the client then reads
    to the end, is gone by the time its abort timer fires: the timer must leave it alone."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    accepted: asyncio.Future[asyncio.Transport] = loop.create_future()
    lost = asyncio.Event()

    class Server(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            accepted.set_result(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            lost.set()

    server = await loop.create_server(Server, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    peer = socket.create_connection(("127.0.0.1", port))
    peer.setblocking(False)
    try:
        transport = await accepted
        transport.write(b"x" * (8 << 20))  # far more than the kernel buffers hold
        transport.close()  # closing with data still buffered, as hub's drop leaves it
        assert transport.get_write_buffer_size() > 0
        while not lost.is_set():  # the client reads everything: asyncio drops the connection
            try:
                data = await loop.sock_recv(peer, 1 << 20)
            except ConnectionError:
                break
            if not data:
                await asyncio.wait_for(lost.wait(), 10)
        abort_if_stuck(transport)  # the grace timer fires now
        await asyncio.sleep(0)
        assert errors == []
        # What the timer did before: abort() on this transport raises inside the loop.
        with pytest.raises(AttributeError):
            transport.abort()
    finally:
        peer.close()
        server.close()
        await server.wait_closed()
        loop.set_exception_handler(None)
