"""Redis behind Sentinel: the primary is killed, a replica is promoted, chat keeps flowing.

Two hub instances share one database and reach Redis only through a sentinel URL. While one
attendee sends chat on instance A, the primary dies (SIGKILL); the sentinel promotes the
replica, both instances reconnect to it, and the reader on instance B receives every message,
each exactly once, with no gap.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from hub.cache.sentinel import parse_sentinel_url
from hub.keys import DB
from hub.storage.chat import last_seq
from tests.fixtures_realtime import connect_ticket, eventually, frame_of, make_meeting, make_user
from tests.helpers_auth import sim_settings
from tests.servers import Redis, Sentinel, have_redis

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@dataclass
class SentinelSet:
    """A primary, its replica and one sentinel watching them."""

    primary: Redis
    replica: Redis
    sentinel: Sentinel


async def _replication_up(replica: Redis) -> bool:
    client = aioredis.Redis(port=replica.port, decode_responses=True)
    try:
        info = await client.info("replication")
    finally:
        await client.aclose()
    return info.get("master_link_status") == "up"


async def _sentinel_sees_replica(sentinel: Sentinel) -> bool:
    client = aioredis.Redis(port=sentinel.port, decode_responses=True)
    try:
        replicas = await client.sentinel_slaves(sentinel.service)
    finally:
        await client.aclose()
    return bool(replicas)


async def _primary_port(sentinel: Sentinel) -> int:
    client = aioredis.Redis(port=sentinel.port, decode_responses=True)
    try:
        address: Any = await client.sentinel_get_master_addr_by_name(sentinel.service)
        port = address[1]  # (host, port); redis-py annotates the answer loosely
    finally:
        await client.aclose()
    return int(port)


@pytest.fixture
async def sentinel_set(redis_server: Redis) -> AsyncIterator[SentinelSet]:
    """Real servers, this test's own (asking for the session's Redis skips where it is missing)."""
    if not have_redis():
        pytest.skip("Redis is not installed; run scripts/test")
    primary = Redis().start()
    replica = Redis(replica_of=primary.port).start()
    await eventually(lambda: _replication_up(replica), within=20)
    sentinel = Sentinel(primary_port=primary.port).start()
    await eventually(lambda: _sentinel_sees_replica(sentinel), within=20)
    yield SentinelSet(primary, replica, sentinel)
    for server in (sentinel, replica, primary):
        await asyncio.to_thread(server.destroy)


def test_a_sentinel_url_names_sentinels_service_and_db() -> None:
    url = parse_sentinel_url("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2/hub/3")
    assert url.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26379))
    assert (url.service, url.db, url.password) == ("hub", 3, "pw")
    assert "pw" not in repr(url)
    for bad in ("redis+sentinel://h:1", "redis+sentinel://h:0/s", "redis+sentinel://h/s/x"):
        with pytest.raises(ValueError):
            parse_sentinel_url(bad)


async def test_chat_keeps_flowing_across_processes_through_a_failover(
    sentinel_set: SentinelSet, sim: Any, make_settings: Any, hub_client: Any
) -> None:
    settings = sim_settings(make_settings, sim.url, redis_url=sentinel_set.sentinel.url())
    a, b = await hub_client(settings), await hub_client(settings)
    sender, reader_user = await make_user(a.app, "zhangsan"), await make_user(a.app, "lisi")
    meeting = await make_meeting(a.app, sender, reader_user)
    total = 40
    async with aiohttp.ClientSession() as session:
        writer = await connect_ticket(a, session, sender, meeting)
        reader = await connect_ticket(b, session, reader_user, meeting)
        await frame_of(writer, "hello")
        await frame_of(reader, "hello")

        async def send_all() -> None:
            for i in range(total):
                await writer.send_json({"type": "chat", "text": f"m{i}", "client_id": f"c{i}"})
                if i == total // 3:
                    # The primary dies mid-conversation, with no chance to say goodbye.
                    assert sentinel_set.primary.proc is not None
                    sentinel_set.primary.proc.send_signal(signal.SIGKILL)
                await asyncio.sleep(0.15)  # under the per-connection chat rate (10/s)

        sending = asyncio.create_task(send_all())
        seqs: list[int] = []
        while len(seqs) < total:
            frame = await frame_of(reader, "chat", within=30)
            seqs.append(frame["seq"])
        await sending
    assert sorted(seqs) == list(range(1, total + 1)), seqs  # none lost, none twice
    assert await last_seq(a.app[DB], meeting.id) == total
    # The replica now leads.
    assert await _primary_port(sentinel_set.sentinel) == sentinel_set.replica.port
