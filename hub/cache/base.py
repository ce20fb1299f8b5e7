"""The cache + broker interface both backends implement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

Handler = Callable[[str], Awaitable[None]]


class CacheUnavailable(Exception):
    """The cache server could not be reached."""


class Subscription(Protocol):
    """A live subscription; `close()` stops delivery to its handler."""

    channel: str

    async def close(self) -> None:
        """Unsubscribe this handler."""


class Cache(Protocol):
    """Key-value with TTLs, atomic counters, owner-checked locks, and pub/sub channels."""

    backend: str
    # Whether other processes see this cache's keys and channels: in-process state (presence, for
    # one) need not be written to a cache no one else reads.
    shared: bool

    async def get(self, key: str) -> str | None:
        """The value, or None when missing or expired."""

    async def set(
        self, key: str, value: str, ttl: float | None = None, *, nx: bool = False
    ) -> bool:
        """Store `value` (for `ttl` seconds); with `nx`, only if absent. True when stored."""

    async def delete(self, key: str) -> None:
        """Remove the key."""

    async def compare_and_delete(self, key: str, expected: str) -> bool:
        """Delete only if the value is still `expected`; True when deleted."""

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Atomically add `amount`; a new key gets `ttl`. Returns the new value."""

    async def ttl(self, key: str) -> float | None:
        """Seconds until the key expires, or None when it has no expiry or is missing."""

    async def acquire_lock(self, name: str, ttl: float) -> str | None:
        """Take the lock for `ttl` seconds; returns the owner token, or None if held."""

    async def extend_lock(self, name: str, token: str, ttl: float) -> bool:
        """Renew a lock we still own; False when it was lost."""

    async def release_lock(self, name: str, token: str) -> bool:
        """Release a lock only if `token` still owns it."""

    async def publish(self, channel: str, message: str) -> None:
        """Send `message` to every subscriber of `channel`, in every process."""

    async def subscribe(self, channel: str, handler: Handler) -> Subscription:
        """Deliver messages on `channel` to `handler`; returns once the server confirms."""

    def on_reconnect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Call `callback` after the subscriber reconnects (messages may have been missed)."""

    async def subscriber_ready(self) -> None:
        """Return once every subscription is live (at once unless the subscriber is reconnecting).

        A publish the server takes while this process's subscriptions are still down reaches
        none of them, so whoever resends after an outage waits for this first.
        """

    async def ping(self) -> None:
        """Raise CacheUnavailable unless the backend answers."""

    async def close(self) -> None:
        """Stop the subscriber and close connections."""
