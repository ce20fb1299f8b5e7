"""Redis cache and broker through redis.asyncio, with a subscriber that survives restarts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from hub.cache.base import CacheUnavailable, Handler
from hub.cache.sentinel import is_sentinel_url, sentinel_client

log = logging.getLogger(__name__)

_COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_COMPARE_AND_EXPIRE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_INCR_WITH_TTL = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
"""
# ReadOnlyError: a replica answered, so the primary moved (a Sentinel failover under way).
_LOST = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


@dataclass
class _RedisSubscription:
    channel: str
    handler: Handler
    owner: RedisCache = field(repr=False)

    async def close(self) -> None:
        await self.owner._unsubscribe(self.channel, self.handler)


class RedisCache:
    """Keys and channels share one prefix, so several hubs (or tests) can share a server."""

    backend = "redis"
    shared = True

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._handlers: dict[str, list[Handler]] = {}
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._reconnect_callbacks: list[Callable[[], Awaitable[None]]] = []
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._sub_lock = asyncio.Lock()
        # Set while every subscription is confirmed live; cleared when the subscriber's
        # connection drops, set again once the server confirms every resubscription.
        self._sub_live = asyncio.Event()
        self._sub_live.set()
        self._unconfirmed: set[str] = set()
        self._cad = client.register_script(_COMPARE_AND_DELETE)
        self._cae = client.register_script(_COMPARE_AND_EXPIRE)
        self._incr = client.register_script(_INCR_WITH_TTL)

    @classmethod
    async def open(cls, url: str, prefix: str = "hub:") -> RedisCache:
        """Connect and check the server answers."""
        # A blocking pool makes a burst of calls wait for a connection instead of failing
        # with "Too many connections".
        options: dict[str, Any] = {
            "max_connections": 64,
            "timeout": 5,
            "decode_responses": True,
            "socket_connect_timeout": 3,
            "socket_timeout": 5,
            "health_check_interval": 10,
        }
        if is_sentinel_url(url):
            client = sentinel_client(url, **options)
        else:
            pool = aioredis.BlockingConnectionPool.from_url(url, **options)
            client = aioredis.Redis.from_pool(pool)
        cache = cls(client, prefix)
        await cache.ping()
        return cache

    async def _call(self, coro: Awaitable[Any]) -> Any:
        try:
            return await coro
        except _LOST as exc:
            raise CacheUnavailable(f"Redis unavailable: {exc}") from exc

    async def get(self, key: str) -> str | None:
        value: str | None = await self._call(self._client.get(self._prefix + key))
        return value

    async def set(
        self, key: str, value: str, ttl: float | None = None, *, nx: bool = False
    ) -> bool:
        px = _ms(ttl) if ttl is not None else None
        done = await self._call(self._client.set(self._prefix + key, value, px=px, nx=nx))
        return bool(done)

    async def delete(self, key: str) -> None:
        await self._call(self._client.delete(self._prefix + key))

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        return bool(await self._call(self._cad(keys=[self._prefix + key], args=[expected])))

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        px = _ms(ttl) if ttl is not None else 0
        return int(await self._call(self._incr(keys=[self._prefix + key], args=[amount, px])))

    async def ttl(self, key: str) -> float | None:
        ms = int(await self._call(self._client.pttl(self._prefix + key)))
        return ms / 1000 if ms >= 0 else None

    async def acquire_lock(self, name: str, ttl: float) -> str | None:
        token = secrets.token_hex(16)
        return token if await self.set(f"lock:{name}", token, ttl, nx=True) else None

    async def extend_lock(self, name: str, token: str, ttl: float) -> bool:
        key = self._prefix + f"lock:{name}"
        return bool(await self._call(self._cae(keys=[key], args=[token, _ms(ttl)])))

    async def release_lock(self, name: str, token: str) -> bool:
        return await self.compare_and_delete(f"lock:{name}", token)

    async def publish(self, channel: str, message: str) -> None:
        await self._call(self._client.publish(self._prefix + channel, message))

    async def subscribe(self, channel: str, handler: Handler) -> _RedisSubscription:
        async with self._sub_lock:
            handlers = self._handlers.setdefault(channel, [])
            handlers.append(handler)
            if len(handlers) == 1:
                try:
                    await self._server_subscribe(channel)
                except BaseException:
                    self._handlers.pop(channel, None)
                    raise
        return _RedisSubscription(channel, handler, self)

    async def _server_subscribe(self, channel: str) -> None:
        if self._pubsub is None:
            self._pubsub = self._client.pubsub()
        waiter = asyncio.get_running_loop().create_future()
        self._confirmed[channel] = waiter
        await self._call(self._pubsub.subscribe(self._prefix + channel))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_loop(), name="redis-subscriber")
        try:
            # A publish from another connection is only guaranteed to reach us once the
            # server has confirmed the SUBSCRIBE.
            await asyncio.wait_for(asyncio.shield(waiter), 5)
        except TimeoutError:
            raise CacheUnavailable(f"Redis did not confirm the subscription to {channel}") from None
        finally:
            self._confirmed.pop(channel, None)

    async def _unsubscribe(self, channel: str, handler: Handler) -> None:
        async with self._sub_lock:
            handlers = self._handlers.get(channel, [])
            if handler in handlers:
                handlers.remove(handler)
            if not handlers and channel in self._handlers:
                del self._handlers[channel]
                if self._pubsub is not None:
                    with contextlib.suppress(*_LOST, RedisError):
                        await self._pubsub.unsubscribe(self._prefix + channel)

    def on_reconnect(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._reconnect_callbacks.append(callback)

    async def _read_loop(self) -> None:
        delay = 0.1
        resubscribe = False
        while True:
            try:
                if resubscribe:
                    await self._resubscribe()
                    resubscribe = False
                    await self._notify_reconnect()
                if self._pubsub.connection is None:
                    # Reconnected while subscribed to nothing: a PubSub without a channel has
                    # no connection to read (redis-py raises); the next subscribe() makes one.
                    await asyncio.sleep(0.1)
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
                delay = 0.1
            except asyncio.CancelledError:
                raise
            except (*_LOST, RedisError) as exc:
                # Keep retrying until the resubscribe itself succeeds: a failed SUBSCRIBE
                # leaves redis-py's PubSub with no channels, which would idle silently.
                log.warning("Redis subscriber lost its connection (%s); reconnecting", exc)
                self._sub_live.clear()
                resubscribe = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            if message is not None:
                await self._dispatch(message)

    async def _resubscribe(self) -> None:
        """Build a fresh PubSub and subscribe every channel again (python-socketio #1581)."""
        old, self._pubsub = self._pubsub, self._client.pubsub()
        with contextlib.suppress(Exception):
            await old.aclose()
        channels = [self._prefix + c for c in self._handlers]
        self._unconfirmed = set(self._handlers)
        if channels:
            await self._pubsub.subscribe(*channels)
        else:
            self._sub_live.set()
        log.info("Redis subscriber reconnected to %d channels", len(channels))

    async def _notify_reconnect(self) -> None:
        for callback in list(self._reconnect_callbacks):
            try:
                await callback()
            except Exception:
                log.exception("reconnect callback failed")

    async def _dispatch(self, message: dict[str, Any]) -> None:
        channel = str(message.get("channel", ""))[len(self._prefix) :]
        kind = message.get("type")
        if kind == "subscribe":
            waiter = self._confirmed.get(channel)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            self._unconfirmed.discard(channel)
            if not self._unconfirmed:
                self._sub_live.set()
            return
        if kind != "message":
            return
        for handler in list(self._handlers.get(channel, ())):
            try:
                await handler(str(message["data"]))
            except Exception:
                log.exception("subscriber of %s failed", channel)

    async def subscriber_ready(self) -> None:
        """Return once the server has confirmed every (re)subscription."""
        await self._sub_live.wait()

    async def ping(self) -> None:
        await self._call(self._client.ping())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        await self._client.aclose()
