"""Who is online in each meeting, across processes, through one cache key per meeting.

Each process counts its own connections per user (two tabs count once) and writes its set of
users into the meeting's key under its own process id with an expiry time, under a short lock.
Whoever changes the union publishes a `presence` frame on the meeting's channel. Entries are
re-stamped every `refresh` seconds, so a crashed process drops out after `entry_ttl`, and a
lost Redis is refilled by the next refresh.

On a cache no other process reads (the embedded one), the union is this process's own users:
nothing is written, and a frame goes out when they change.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from typing import Any

from hub.cache import Cache
from hub.clock import Clock
from hub.events import EventBus
from hub.storage.users import User

log = logging.getLogger(__name__)

ENTRY_TTL = 45.0
REFRESH = 15.0
DEBOUNCE = 0.2
# Past BIG_ROOM local users, the debounce grows with the room, up to MAX_DEBOUNCE seconds.
BIG_ROOM = 250
MAX_DEBOUNCE = 2.0
# A presence frame goes to every client of the room on every change: past this many users it
# carries the first ones and the count (GET /api/meetings/{n} lists everyone).
FRAME_USERS = 100

UserJson = dict[str, Any]


def presence_frame(online: list[UserJson], count: int | None = None) -> dict[str, Any]:
    """The `presence` frame for a list of online users (or its first ones, and how many)."""
    shown = online[:FRAME_USERS]
    return {"type": "presence", "online": shown, "count": len(online) if count is None else count}


def _union(procs: dict[str, Any]) -> list[UserJson]:
    users: dict[int, UserJson] = {}
    for entry in procs.values():
        for user in entry.get("users", {}).values():
            users.setdefault(int(user["id"]), user)
    return [users[k] for k in sorted(users)]


class Presence:
    """See the module docstring; one per process, held by the realtime hub."""

    def __init__(
        self,
        cache: Cache,
        clock: Clock,
        events: EventBus,
        *,
        entry_ttl: float = ENTRY_TTL,
        refresh: float = REFRESH,
        debounce: float = DEBOUNCE,
    ) -> None:
        self.cache = cache
        self.clock = clock
        self.events = events
        self.entry_ttl = entry_ttl
        self.refresh = refresh
        self.debounce = debounce
        self.proc = secrets.token_hex(6)
        # Without a shared cache: the user ids each meeting's last frame was sent for.
        self._sent: dict[int, list[int]] = {}
        # meeting id -> user id -> user, for the users with a connection here; and the
        # connections past the first of those with more than one (most have exactly one).
        self.local: dict[int, dict[int, User]] = {}
        self._more: dict[tuple[int, int], int] = {}
        self._dirty: set[int] = set()
        self._retry: set[int] = set()
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False

    def add(self, meeting_id: int, user: User) -> None:
        """Count one more connection of `user` in the meeting."""
        users = self.local.setdefault(meeting_id, {})
        user_id = user.id
        if user_id in users:
            key = (meeting_id, user_id)
            self._more[key] = self._more.get(key, 0) + 1
        else:
            users[user_id] = user
            self._mark(meeting_id)

    def remove(self, meeting_id: int, user_id: int) -> None:
        """Count one connection fewer; the user goes offline here at zero."""
        users = self.local.get(meeting_id)
        if users is None or user_id not in users:
            return
        key = (meeting_id, user_id)
        more = self._more.pop(key, 0)
        if more > 1:
            self._more[key] = more - 1
        elif not more:
            del users[user_id]
            if not users:
                del self.local[meeting_id]
            self._mark(meeting_id)

    def local_users(self, meeting_id: int) -> list[UserJson]:
        """The users connected to this process, by id."""
        users = self.local.get(meeting_id, {})
        return [users[k].as_json() for k in sorted(users)]

    async def online(self, meeting_id: int) -> list[UserJson]:
        """Everyone online on any process (this process's own view when the cache fails)."""
        if not self.cache.shared:
            return self.local_users(meeting_id)
        try:
            raw = await self.cache.get(self._key(meeting_id))
        except Exception:
            log.warning("presence: cache unavailable, answering with local users only")
            return self.local_users(meeting_id)
        procs = self._live_entries(raw)
        procs[self.proc] = {"users": {str(u["id"]): u for u in self.local_users(meeting_id)}}
        return _union(procs)

    def _key(self, meeting_id: int) -> str:
        return f"presence:{meeting_id}"

    def _live_entries(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        now = self.clock.time()
        procs = json.loads(raw).get("procs", {})
        return {p: e for p, e in procs.items() if p != self.proc and e.get("exp", 0) > now}

    def _mark(self, meeting_id: int) -> None:
        self._dirty.add(meeting_id)
        # After close, the last handlers leaving must not start a task nobody will await.
        if not self._closed and (self._flusher is None or self._flusher.done()):
            self._flusher = asyncio.create_task(self._flush_soon(), name="presence-flush")

    async def _flush_soon(self) -> None:
        # Joins come in bursts (a room reconnecting): one write and one frame per debounce, also
        # for what changed while the last write ran (a slow database or a busy process would
        # otherwise give each trickling join a frame of its own). A big room waits longer: each
        # frame goes to every socket in it, and while thousands arrive, a count a second behind
        # is worth far less than that traffic.
        while self._dirty:
            users = max((len(self.local.get(m, ())) for m in self._dirty), default=0)
            await asyncio.sleep(min(MAX_DEBOUNCE, self.debounce * max(1.0, users / BIG_ROOM)))
            batch, self._dirty = self._dirty, set()
            for meeting_id in batch:
                await self._flush_logged(meeting_id)

    async def flush_dirty(self) -> None:
        """Write every meeting whose local users changed."""
        while self._dirty:
            batch, self._dirty = self._dirty, set()
            for meeting_id in batch:
                await self._flush_logged(meeting_id)

    async def _flush_logged(self, meeting_id: int) -> None:
        try:
            await self.flush(meeting_id)
            self._retry.discard(meeting_id)
        except Exception as exc:
            log.warning("presence of meeting %s not written (%s); will retry", meeting_id, exc)
            self._retry.add(meeting_id)

    async def flush(self, meeting_id: int) -> None:
        """Write this process's users of the meeting; publish the union when it changed."""
        if not self.cache.shared:
            users = self.local.get(meeting_id, {})
            ids = sorted(users)
            if ids != self._sent.get(meeting_id, []):
                # JSON for the people the frame shows only: at 10,000 online a flush would
                # otherwise build 10,000 dicts to send 100.
                shown = [users[i].as_json() for i in ids[:FRAME_USERS]]
                await self.events.meeting(meeting_id, presence_frame(shown, len(ids)))
            if ids:
                self._sent[meeting_id] = ids
            else:
                self._sent.pop(meeting_id, None)
            return
        lock = f"presence:{meeting_id}"
        token = None
        for _ in range(50):
            token = await self.cache.acquire_lock(lock, 5.0)
            if token is not None:
                break
            await asyncio.sleep(0.02)
        if token is None:
            raise TimeoutError("presence lock busy")
        try:
            key = self._key(meeting_id)
            raw = await self.cache.get(key)
            sent = json.loads(raw).get("sent") if raw else None
            procs = self._live_entries(raw)
            mine = self.local_users(meeting_id)
            if mine:
                expires = self.clock.time() + self.entry_ttl
                procs[self.proc] = {"exp": expires, "users": {str(u["id"]): u for u in mine}}
            online = _union(procs)
            ids = [int(u["id"]) for u in online]
            if procs:
                blob = json.dumps({"procs": procs, "sent": ids}, ensure_ascii=False)
                await self.cache.set(key, blob, ttl=self.entry_ttl * 2)
            else:
                await self.cache.delete(key)
            if ids != sent:
                await self.events.meeting(meeting_id, presence_frame(online))
        finally:
            with contextlib.suppress(Exception):
                await self.cache.release_lock(lock, token)

    def mark_all(self) -> None:
        """Rewrite every local meeting soon (after a broker reconnect: the key may be gone)."""
        for meeting_id in list(self.local):
            self._mark(meeting_id)

    async def refresh_once(self) -> None:
        """Re-stamp this process's entries before they expire; retry failed writes."""
        for meeting_id in set(self.local) | self._retry:
            await self._flush_logged(meeting_id)

    async def close(self) -> None:
        """Write what changed last (clients closed at shutdown), then stop."""
        self._closed = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                if self._flusher is not None:
                    await self._flusher
                await self.flush_dirty()
