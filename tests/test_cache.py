"""Cache and broker on both backends: TTLs, counters, locks, compare-and-delete, pub/sub."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import pytest

from hub.cache import Cache, CacheUnavailable, open_cache
from hub.cache.memory import MemoryCache
from hub.cache.redis import RedisCache
from tests.servers import Redis


async def _second(cache: Cache, cache_url: str | None, prefix: str) -> Cache:
    """Another client of the same store: a second connection (Redis) or the same object."""
    if cache_url is None:
        assert isinstance(cache, MemoryCache)
        return cache
    return await open_cache(cache_url, prefix)


async def test_get_set_ttl_delete(cache: Cache) -> None:
    assert await cache.get("k") is None
    assert await cache.set("k", "v", ttl=0.2)
    assert await cache.get("k") == "v"
    ttl = await cache.ttl("k")
    assert ttl is not None and 0 < ttl <= 0.2
    assert not await cache.set("k", "other", nx=True)
    await asyncio.sleep(0.3)
    assert await cache.get("k") is None
    await cache.set("d", "1")
    await cache.delete("d")
    assert await cache.get("d") is None


async def test_incr_sets_ttl_only_on_create(cache: Cache) -> None:
    assert await cache.incr("n", ttl=60) == 1
    assert await cache.incr("n", 5, ttl=1) == 6
    ttl = await cache.ttl("n")
    assert ttl is not None and ttl > 30


async def test_concurrent_incr_is_exact(cache: Cache) -> None:
    await asyncio.gather(*(cache.incr("c") for _ in range(300)))
    assert await cache.get("c") == "300"


async def test_compare_and_delete_spares_another_owner(
    cache: Cache, cache_url: str | None, prefix: str
) -> None:
    other = await _second(cache, cache_url, prefix)
    try:
        await cache.set("tok", "mine")
        await other.set("tok", "theirs")
        assert not await cache.compare_and_delete("tok", "mine")
        assert await cache.get("tok") == "theirs"
        assert await cache.compare_and_delete("tok", "theirs")
        assert await cache.get("tok") is None
    finally:
        if other is not cache:
            await other.close()


async def test_lock_has_one_holder_across_connections(
    cache: Cache, cache_url: str | None, prefix: str
) -> None:
    other = await _second(cache, cache_url, prefix)
    try:
        results = await asyncio.gather(*(c.acquire_lock("sync", 5) for c in [cache, other] * 10))
        tokens = [t for t in results if t]
        assert len(tokens) == 1
        owner = tokens[0]
        assert not await other.release_lock("sync", "not-the-owner")
        assert await cache.acquire_lock("sync", 5) is None
        assert await other.extend_lock("sync", owner, 10)
        assert await cache.release_lock("sync", owner)
        assert await other.acquire_lock("sync", 5) is not None
    finally:
        if other is not cache:
            await other.close()


async def test_lock_expires(cache: Cache) -> None:
    token = await cache.acquire_lock("short", 0.1)
    assert token
    await asyncio.sleep(0.2)
    assert not await cache.extend_lock("short", token, 5)
    assert await cache.acquire_lock("short", 5) is not None


async def test_pubsub_delivers_across_two_clients(
    cache: Cache, cache_url: str | None, prefix: str
) -> None:
    other = await _second(cache, cache_url, prefix)
    got: list[str] = []
    done = asyncio.Event()

    async def handler(message: str) -> None:
        got.append(message)
        if len(got) == 3:
            done.set()

    sub = await other.subscribe("room:1", handler)
    try:
        for i in range(3):
            await cache.publish("room:1", f"m{i}")
        await cache.publish("room:2", "elsewhere")
        await asyncio.wait_for(done.wait(), 5)
        assert got == ["m0", "m1", "m2"]
        await sub.close()
        await cache.publish("room:1", "after close")
        await asyncio.sleep(0.2)
        assert got == ["m0", "m1", "m2"]
    finally:
        if other is not cache:
            await other.close()


async def _wait_delivered(cache: Cache, got: list[str], text: str, within: float) -> None:
    """Publish `text` until the subscriber sees it (it may still be reconnecting)."""
    async with asyncio.timeout(within):
        while text not in got:
            with contextlib.suppress(CacheUnavailable):
                await cache.publish("ch", text)
            await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_subscription_survives_redis_restart(prefix: str) -> None:
    server = Redis().start()
    try:
        publisher = await open_cache(server.url(), prefix)
        subscriber = await open_cache(server.url(), prefix)
        got: list[str] = []
        reconnected = asyncio.Event()

        async def handler(message: str) -> None:
            got.append(message)

        async def on_reconnect() -> None:
            reconnected.set()

        subscriber.on_reconnect(on_reconnect)
        await subscriber.subscribe("ch", handler)
        await _wait_delivered(publisher, got, "before", 5)
        server.restart()
        await asyncio.wait_for(reconnected.wait(), 15)
        await _wait_delivered(publisher, got, "after", 15)
        await publisher.close()
        await subscriber.close()
    finally:
        server.destroy()


@pytest.mark.redis
async def test_a_subscriber_left_with_no_channel_survives_a_restart(redis_server: Redis) -> None:
    # A test-owned server: it is restarted while this process listens to nothing at all.
    server = Redis().start()
    try:
        cache = await RedisCache.open(server.url(), f"t{secrets.token_hex(4)}:")

        async def handler(message: str) -> None:
            del message

        await (await cache.subscribe("ch", handler)).close()  # the reader stays, idle
        await asyncio.to_thread(server.restart)
        await asyncio.sleep(1.5)  # the reader notices and reconnects with nothing to resubscribe
        assert cache._reader is not None and not cache._reader.done()  # still reading
        await cache.close()  # and it ends cleanly: close() raises nothing
    finally:
        await asyncio.to_thread(server.destroy)
