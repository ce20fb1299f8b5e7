"""TokenKeeper: one access token per credential, cached for all processes, refreshed once."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hub.cache import Cache
from hub.clock import Clock, iso_ts
from hub.wechat.errors import NotConfigured, WeChatError, WeChatUnavailable

log = logging.getLogger(__name__)

# A token with less than this left is not handed out: a call must still reach WeChat in time.
MIN_VALID = 30.0


@dataclass(frozen=True)
class Credential:
    """Who asks for a token; `None` when this credential is not configured."""

    ident: str
    secret: str

    def cache_key(self, kind: str) -> str:
        """The cache key of this credential's token (a secret change means a new key)."""
        digest = hashlib.sha256(self.secret.encode()).hexdigest()[:12]
        return f"wechat:token:{kind}:{self.ident}:{digest}"


@dataclass(frozen=True)
class Fetched:
    """A token as WeChat handed it out."""

    token: str
    expires_in: float


@dataclass(frozen=True)
class _Cached:
    token: str
    expires_at: float


class TokenKeeper:
    """Keeps one credential's token in the shared cache.

    `get()` answers from the cache. On a miss one task per process fetches (single flight),
    and across processes only the holder of the cache lock fetches, after re-reading the
    cache; the others poll the cache until the new token appears.
    """

    def __init__(
        self,
        kind: str,
        cache: Cache,
        credential: Credential | None,
        fetch: Callable[[Credential], Awaitable[Fetched]],
        clock: Clock,
        *,
        refresh_margin: float = 600.0,
        lock_ttl: float = 60.0,
        poll_interval: float = 0.05,
    ) -> None:
        self.kind = kind
        self.cache = cache
        self.credential = credential
        self._fetch = fetch
        self.clock = clock
        self.refresh_margin = refresh_margin
        self.lock_ttl = lock_ttl
        self.poll_interval = poll_interval
        self._inflight: asyncio.Future[str] | None = None
        self.expires_at: float | None = None
        self.last_refresh: float | None = None
        self.last_error: str | None = None
        self.refreshes = 0
        self.failures = 0  # fetches WeChat refused or that failed in transport (/metrics)

    @property
    def configured(self) -> bool:
        """True when the credential this keeper needs is set."""
        return self.credential is not None

    def _need_credential(self) -> Credential:
        cred = self.credential
        if cred is None:
            raise NotConfigured(f"{self.kind} credentials")
        return cred

    async def _read(self, cred: Credential) -> _Cached | None:
        raw = await self.cache.get(cred.cache_key(self.kind))
        if raw is None:
            return None
        try:
            item = json.loads(raw)
            cached = _Cached(str(item["token"]), float(item["expires_at"]))
        except (ValueError, KeyError, TypeError):
            return None
        self.expires_at = cached.expires_at
        return cached

    def _left(self, cached: _Cached | None) -> float:
        return -1.0 if cached is None else cached.expires_at - self.clock.time()

    async def get(self) -> str:
        """A token with at least MIN_VALID seconds left, fetched only when none is cached."""
        cred = self._need_credential()
        cached = await self._read(cred)
        if cached is not None and self._left(cached) > MIN_VALID:
            return cached.token
        return await self._single_flight(cred)

    async def invalidate(self, failed: str) -> bool:
        """Drop the cached token only if it is still `failed` (a newer one survives)."""
        cred = self._need_credential()
        key = cred.cache_key(self.kind)
        raw = await self.cache.get(key)
        if raw is None:
            return False
        try:
            current = json.loads(raw).get("token")
        except (ValueError, AttributeError):
            current = None
        if current != failed:
            return False
        dropped = await self.cache.compare_and_delete(key, raw)
        if dropped:
            log.info("%s token rejected by WeChat; dropped it", self.kind)
        return dropped

    async def refresh_if_due(self) -> bool:
        """Refresh ahead of expiry when a cached token is close to it; True when refreshed.

        Only the process that takes the lock refreshes; the others skip this round.
        """
        cred = self.credential
        if cred is None:
            return False
        cached = await self._read(cred)
        if cached is None or self._left(cached) > self.refresh_margin:
            return False
        before = self.refreshes
        # No single flight here: get() still finds the old token valid meanwhile.
        await self._refresh(cred, self.refresh_margin, wait=False)
        return self.refreshes > before

    def _single_flight(self, cred: Credential) -> Awaitable[str]:
        if self._inflight is None or self._inflight.done():
            future = asyncio.ensure_future(self._refresh(cred, MIN_VALID, wait=True))
            # Mark the outcome as seen even if every waiter was cancelled meanwhile.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._inflight = future
        # Shield: one cancelled caller must not cancel the fetch the others wait on.
        return asyncio.shield(self._inflight)

    async def _refresh(self, cred: Credential, need: float, wait: bool) -> str:
        cache = self.cache
        deadline = time.monotonic() + self.lock_ttl + 5
        while True:
            cached = await self._read(cred)
            if cached is not None and self._left(cached) > need:
                return cached.token
            lock = await cache.acquire_lock(cred.cache_key(self.kind), self.lock_ttl)
            if lock is not None:
                try:
                    # Re-check: another process may have stored a token before we got the lock.
                    cached = await self._read(cred)
                    if cached is not None and self._left(cached) > need:
                        return cached.token
                    return await self._fetch_and_store(cred)
                finally:
                    await cache.release_lock(cred.cache_key(self.kind), lock)
            if not wait:
                return cached.token if cached is not None else ""
            if time.monotonic() > deadline:
                raise WeChatUnavailable(0, f"timed out waiting for the {self.kind} token")
            await asyncio.sleep(self.poll_interval)

    async def _fetch_and_store(self, cred: Credential) -> str:
        try:
            fetched = await self._fetch(cred)
        except WeChatError as exc:
            code = exc.wechat_errcode  # None: WeChat never answered (never shown as 0)
            self.last_error = f"{'null' if code is None else code} {exc.errmsg}"
            self.failures += 1
            log.warning("%s token refresh failed: %s", self.kind, self.last_error)
            raise
        now = self.clock.time()
        expires_at = now + fetched.expires_in
        value = json.dumps({"token": fetched.token, "expires_at": expires_at})
        await self.cache.set(cred.cache_key(self.kind), value, ttl=max(1.0, fetched.expires_in))
        self.expires_at = expires_at
        self.last_refresh = now
        self.last_error = None
        self.refreshes += 1
        log.info("%s token refreshed; expires in %d s", self.kind, int(fetched.expires_in))
        return fetched.token

    def status(self) -> dict[str, Any]:
        """What the admin status route shows: expiry, last refresh and error, never the token."""

        return {
            "kind": self.kind,
            "configured": self.configured,
            "expires_at": iso_ts(self.expires_at),
            "last_refresh": iso_ts(self.last_refresh),
            "last_error": self.last_error if self.configured else "not configured",
            "refreshes": self.refreshes,
        }
