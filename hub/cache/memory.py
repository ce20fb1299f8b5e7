"""In-process cache and broker: the embedded default for a single process."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from hub.cache.base import CacheUnavailable, Handler

log = logging.getLogger(__name__)


@dataclass
class _MemorySubscription:
    channel: str
    handler: Handler
    owner: MemoryCache = field(repr=False)

    async def close(self) -> None:
        handlers = self.owner._channels.get(self.channel, [])
        if self.handler in handlers:
            handlers.remove(self.handler)


class MemoryCache:
    """A dict with expiry times. Every operation completes without awaiting, so it is atomic."""

    backend = "memory"
    shared = False

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._data: dict[str, tuple[str, float | None]] = {}
        self._channels: dict[str, list[Handler]] = {}
        # Fault injection for tests and drills: while set, publish fails as a dead broker would.
        self.publish_fails = False

    def _live(self, key: str) -> str | None:
        item = self._data.get(self._prefix + key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[self._prefix + key]
            return None
        return value

    def _put(self, key: str, value: str, ttl: float | None) -> None:
        expires = time.monotonic() + ttl if ttl is not None else None
        self._data[self._prefix + key] = (value, expires)

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(
        self, key: str, value: str, ttl: float | None = None, *, nx: bool = False
    ) -> bool:
        if nx and self._live(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(self._prefix + key, None)

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        if self._live(key) != expected:
            return False
        del self._data[self._prefix + key]
        return True

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        current = self._live(key)
        if current is None:
            self._put(key, str(amount), ttl)
            return amount
        value = int(current) + amount
        self._data[self._prefix + key] = (str(value), self._data[self._prefix + key][1])
        return value

    async def ttl(self, key: str) -> float | None:
        if self._live(key) is None:
            return None
        expires = self._data[self._prefix + key][1]
        return None if expires is None else max(0.0, expires - time.monotonic())

    async def acquire_lock(self, name: str, ttl: float) -> str | None:
        token = secrets.token_hex(16)
        return token if await self.set(f"lock:{name}", token, ttl, nx=True) else None

    async def extend_lock(self, name: str, token: str, ttl: float) -> bool:
        if self._live(f"lock:{name}") != token:
            return False
        self._put(f"lock:{name}", token, ttl)
        return True

    async def release_lock(self, name: str, token: str) -> bool:
        return await self.compare_and_delete(f"lock:{name}", token)

    async def publish(self, channel: str, message: str) -> None:
        if self.publish_fails:
            raise CacheUnavailable("the in-process broker is made to fail (publish_fails)")
        for handler in list(self._channels.get(channel, ())):
            try:
                await handler(message)
            except Exception:
                log.exception("subscriber of %s failed", channel)

    async def subscribe(self, channel: str, handler: Handler) -> _MemorySubscription:
        self._channels.setdefault(channel, []).append(handler)
        return _MemorySubscription(channel, handler, self)

    def on_reconnect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Never called: an in-process broker cannot disconnect."""

    async def subscriber_ready(self) -> None:
        """At once: in-process subscriptions cannot drop."""

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._channels.clear()
