"""Two hub instances on one Redis and one database: fan-out, presence, and a Redis restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from hub.keys import DB
from hub.realtime.rooms import REALTIME
from hub.simulator import RunningSimulator
from hub.storage.chat import add_message
from tests.fixtures_realtime import (
    chats,
    connect_ticket,
    eventually,
    frame_of,
    make_meeting,
    make_user,
)
from tests.helpers_auth import sim_settings
from tests.servers import Redis

Pair = tuple[TestClient[Any, Any], TestClient[Any, Any]]


async def _pair(
    hub_client: Any, make_settings: Any, sim_url: str, redis_url: str, **more: Any
) -> Pair:
    # Same database (SQLite in tmp_path unless told otherwise), same Redis and prefix.
    settings = sim_settings(make_settings, sim_url, redis_url=redis_url, **more)
    return await hub_client(settings), await hub_client(settings)


@pytest.fixture
async def own_redis(redis_server: Redis) -> AsyncIterator[Redis]:
    """A Redis this test may restart (asking for the session's one skips where Redis is missing)."""
    server = Redis().start()
    yield server
    server.destroy()


async def test_two_instances_deliver_each_others_messages(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, redis_url: str, db_url: str
) -> None:
    a, b = await _pair(hub_client, make_settings, sim.url, redis_url, database_url=db_url)
    zhang, lisi = await make_user(a.app, "zhangsan"), await make_user(a.app, "lisi")
    meeting = await make_meeting(a.app, zhang, lisi)
    async with aiohttp.ClientSession() as session:
        on_a = await connect_ticket(a, session, zhang, meeting)
        on_b = await connect_ticket(b, session, lisi, meeting)
        await frame_of(on_a, "hello")
        await frame_of(on_b, "hello")
        # Both processes take seqs from the same counter at once: 1..20, each exactly once.
        for i in range(10):
            await on_a.send_json({"type": "chat", "text": f"A{i}", "client_id": f"a{i}"})
            await on_b.send_json({"type": "chat", "text": f"B{i}", "client_id": f"b{i}"})
        for ws in (on_a, on_b):
            got = await chats(ws, 20)
            assert sorted(f["seq"] for f in got) == list(range(1, 21))
            assert {f["text"] for f in got} == {f"{w}{i}" for w in "AB" for i in range(10)}

        # Presence spans both processes: A sees lisi only once B has written her in. (B's own view
        # holds her from the join on, before that write: a leave right then changes nothing
        # anyone was shown, and rightly publishes no frame.)
        async def both_online() -> bool:
            online = await a.app[REALTIME].online_users(meeting.id)
            return sorted(u["userid"] for u in online) == ["lisi", "zhangsan"]

        await eventually(both_online)
        await on_b.close()

        async def only_zhang() -> bool:
            online = await a.app[REALTIME].online_users(meeting.id)
            return [u["userid"] for u in online] == ["zhangsan"]

        await eventually(only_zhang)
        # Frames from the joins may still be queued: a process that flushed before the other
        # had written its user rightly showed its own alone ([lisi], count 1). Read on to the
        # frame of lisi's leave.
        presence = await frame_of(on_a, "presence")
        while [u["userid"] for u in presence["online"]] != ["zhangsan"]:
            presence = await frame_of(on_a, "presence")
        assert presence["count"] == 1
        await on_a.close()


async def test_delivery_across_instances_resumes_after_a_redis_restart(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, own_redis: Redis
) -> None:
    a, b = await _pair(hub_client, make_settings, sim.url, own_redis.url())
    zhang, lisi = await make_user(a.app, "zhangsan"), await make_user(a.app, "lisi")
    meeting = await make_meeting(a.app, zhang, lisi)
    async with aiohttp.ClientSession() as session:
        on_a = await connect_ticket(a, session, zhang, meeting)
        on_b = await connect_ticket(b, session, lisi, meeting)
        await frame_of(on_a, "hello")
        await frame_of(on_b, "hello")
        await on_a.send_json({"type": "chat", "text": "before", "client_id": "1"})
        assert (await frame_of(on_b, "chat"))["text"] == "before"

        own_redis.restart()
        # Sent while the subscribers may still be reconnecting: stored at once, delivered
        # once the broker is back (a retried publish or the reconnect catch-up).
        await on_a.send_json({"type": "chat", "text": "during", "client_id": "2"})
        got = await frame_of(on_b, "chat", within=20)
        assert (got["seq"], got["text"]) == (2, "during")
        await on_a.send_json({"type": "chat", "text": "after", "client_id": "3"})
        got = await frame_of(on_b, "chat", within=20)
        assert (got["seq"], got["text"]) == (3, "after")
        texts = [f["text"] for f in await chats(on_a, 3, within=20)]
        assert texts == ["before", "during", "after"]
        await on_a.close()
        await on_b.close()


async def test_a_reconnect_catch_up_delivers_what_the_broker_missed_once(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    app = client.app
    zhang = await make_user(app, "zhangsan")
    meeting = await make_meeting(app, zhang)
    async with aiohttp.ClientSession() as session:
        ws = await connect_ticket(client, session, zhang, meeting)
        await frame_of(ws, "hello")
        await ws.send_json({"type": "chat", "text": "live", "client_id": "1"})
        assert (await frame_of(ws, "chat"))["seq"] == 1
        # Stored by another process whose publish this one never heard (broker away).
        await add_message(app[DB], meeting.id, zhang.id, "2", "missed", 1.0)
        await app[REALTIME].catch_up()
        got = await frame_of(ws, "chat")
        assert (got["seq"], got["text"]) == (2, "missed")
        await app[REALTIME].catch_up()  # nothing new: nothing sent twice
        await ws.send_json({"type": "chat", "text": "next", "client_id": "3"})
        assert (await frame_of(ws, "chat"))["seq"] == 3
        await ws.close()
