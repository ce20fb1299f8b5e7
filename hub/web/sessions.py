"""Encrypted cookie sessions (aiohttp-session's storage) behind typed request keys, and the
server-side record that lets a logout or an admin revoke them."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp_session import AbstractStorage, Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from hub.clock import Clock
from hub.keys import CLOCK, DB, SETTINGS
from hub.settings import Settings
from hub.storage import Database
from hub.storage.sessions import end_session, end_user_sessions, session_user, start_session

COOKIE_NAME = "hub_session"
# Over https: browsers refuse a `__Host-` cookie that names a Domain, lacks Secure or has a
# Path other than "/", so a sibling subdomain cannot plant one (cookie tossing).
HOST_COOKIE_NAME = "__Host-hub_session"
SESSION_COOKIES = (COOKIE_NAME, HOST_COOKIE_NAME)
SESSION_MAX_AGE = 7 * 24 * 3600
# HUB_SESSION_RECHECK's default: how long a process trusts its last look at a session row.
SESSION_RECHECK_SECONDS = 5.0
SESSION_MEMO_SIZE = 10_000

SESSIONS = web.AppKey("sessions", AbstractStorage)

# aiohttp-session's own middleware stores itself under plain string request keys, which
# aiohttp 3.14 warns about; this thin one keeps the library's storage and uses a RequestKey.
_SESSION = web.RequestKey("hub_session", Session)


def cookie_name(settings: Settings) -> str:
    """`__Host-hub_session` under an https public URL, else `hub_session`."""
    return HOST_COOKIE_NAME if settings.secure_cookies else COOKIE_NAME


def session_cipher(secret_key: str) -> Fernet:
    """The cookie cipher: Fernet keyed by the SHA-256 of HUB_SECRET_KEY."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()))


def cookie_count(request: web.BaseRequest, name: str) -> int:
    """How many cookies called `name` the request carries (a tossed cookie makes two)."""
    count = 0
    for header in request.headers.getall("Cookie", ()):
        for pair in header.split(";"):
            if pair.partition("=")[0].strip() == name:
                count += 1
    return count


class HubCookieStorage(EncryptedCookieStorage):
    """The library's encrypted cookie, read defensively and deleted with its own attributes."""

    def load_cookie(self, request: web.Request) -> str | None:
        """The cookie's value; None when it is missing, doubled or not a Fernet token.

        Two cookies of the name mean one was planted by a sibling subdomain (which one the
        browser sends first is not ours to choose): read neither. A non-ASCII value cannot be
        a token, and the library would fail encoding it (a 500 on every page).
        """
        if cookie_count(request, self.cookie_name) > 1:
            return None
        value = request.cookies.get(self.cookie_name)
        if value is None or not value.isascii():
            return None
        return value

    async def load_session(self, request: web.Request) -> Session:
        """The session in the cookie; an empty one for anything undecodable."""
        try:
            return await super().load_session(request)
        except (ValueError, TypeError):  # a token that decrypts to something not JSON
            return Session(None, data=None, new=True, max_age=self.max_age)

    def save_cookie(
        self, response: web.StreamResponse, cookie_data: str, *, max_age: int | None = None
    ) -> None:
        """Set the cookie, or delete it with the attributes a `__Host-` cookie needs."""
        if cookie_data:
            super().save_cookie(response, cookie_data, max_age=max_age)
            return
        params = self.cookie_params
        response.del_cookie(
            self.cookie_name,
            path=params["path"],
            secure=params["secure"],
            httponly=params["httponly"],
            samesite=params["samesite"],
        )


def session_storage(settings: Settings) -> EncryptedCookieStorage:
    """Encrypted, HttpOnly, SameSite=Lax, host-only cookies; Secure and `__Host-` over https."""
    return HubCookieStorage(
        session_cipher(settings.secret_key),
        cookie_name=cookie_name(settings),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
    )


class RecentLooks:
    """What was read about each session id in the last `ttl` seconds, in two generations.

    An entry lives in the generation it was written to; the younger one is retired every
    `ttl / 2` seconds (or once it holds `size` ids) and the older one dropped, so a hit is never
    older than `ttl`. Plain dicts of id -> user: per session a slot and the id, no timestamps,
    no tuples, no linked list.
    """

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl, self.size = ttl, size
        self._young: dict[str, int | None] = {}
        self._old: dict[str, int | None] = {}
        self._young_since = self._old_since = time.monotonic()

    def get(self, sid: str, now: float) -> tuple[bool, int | None]:
        """(True, user) when `sid` was read within `ttl`; (False, None) otherwise."""
        self._age(now)
        if sid in self._young:
            return True, self._young[sid]
        if sid in self._old and now - self._old_since < self.ttl:
            return True, self._old[sid]
        return False, None

    def put(self, sid: str, user_id: int | None, now: float) -> None:
        """Remember what was just read (or written) about `sid`."""
        self._age(now)
        self._old.pop(sid, None)
        self._young[sid] = user_id
        if len(self._young) >= self.size:
            self._retire(now)

    def ids_of(self, user_id: int) -> list[str]:
        """The remembered session ids of `user_id`."""
        return [sid for gen in (self._young, self._old) for sid, u in gen.items() if u == user_id]

    def _age(self, now: float) -> None:
        if now - self._young_since >= self.ttl / 2:
            self._retire(now)

    def _retire(self, now: float) -> None:
        self._old, self._old_since = self._young, self._young_since
        self._young, self._young_since = {}, now


class LiveSessions:
    """Which session ids are still signed in: the `app_session` rows, remembered briefly.

    Each process keeps what it last read for `recheck` seconds (bounded to about twice `size`
    ids), so a busy page costs one indexed read per session every few seconds, not one per
    request.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        recheck: float = SESSION_RECHECK_SECONDS,
        max_age: float = SESSION_MAX_AGE,
        size: int = SESSION_MEMO_SIZE,
    ) -> None:
        self.db, self.clock = db, clock
        self.max_age = max_age
        self._recent = RecentLooks(recheck, size)

    async def user_of(self, sid: str, *, remember: bool = True) -> int | None:
        """The user signed in under `sid`, or None once it was ended or revoked.

        `remember=False` reads without keeping what was read: for a caller that asks once.
        """
        now = time.monotonic()
        known, user_id = self._recent.get(sid, now)
        if known:
            return user_id
        user_id = await session_user(self.db, sid, self.clock.time(), self.max_age)
        if remember:
            self._recent.put(sid, user_id, now)
        return user_id

    async def start(self, user_id: int) -> str:
        """A new session id for `user_id` (login)."""
        sid = await start_session(self.db, user_id, self.clock.time(), self.max_age)
        self._recent.put(sid, user_id, time.monotonic())
        return sid

    async def end(self, sid: str) -> None:
        """End one session (logout)."""
        await end_session(self.db, sid)
        self._recent.put(sid, None, time.monotonic())

    async def end_all(self, user_id: int) -> int:
        """End every session of `user_id`; returns how many were live."""
        ended = await end_user_sessions(self.db, user_id)
        for sid in self._recent.ids_of(user_id):
            self._recent.put(sid, None, time.monotonic())
        return ended


LIVE_SESSIONS = web.AppKey("live_sessions", LiveSessions)


async def get_session(request: web.Request) -> Session:
    """This request's session, loaded from its cookie on first use (empty when none)."""
    session = request.get(_SESSION)
    if session is None:
        session = await request.app[SESSIONS].load_session(request)
        request[_SESSION] = session
    return session


async def new_session(request: web.Request) -> Session:
    """A fresh, empty session replacing the current one (rotate on login)."""
    session = await request.app[SESSIONS].new_session()
    session.changed()
    request[_SESSION] = session
    return session


async def save_changed_session(request: web.Request, response: web.StreamResponse) -> None:
    """Write the session cookie onto `response` when the handler changed the session."""
    session = request.get(_SESSION)
    # Websockets and streamed answers are already sent: their sessions are read-only.
    if session is None or response.prepared or not isinstance(response, web.Response):
        return
    if session._changed:  # the library offers no public getter for this flag
        await request.app[SESSIONS].save_session(request, response, session)


async def live_sessions_ctx(app: web.Application) -> AsyncIterator[None]:
    """The session record, once storage is open."""
    recheck = app[SETTINGS].session_recheck
    app[LIVE_SESSIONS] = LiveSessions(app[DB], app[CLOCK], recheck=recheck)
    yield


def setup_sessions(app: web.Application) -> None:
    """Keep the cookie storage and the session record on the app (the middleware saves)."""
    app[SESSIONS] = session_storage(app[SETTINGS])
    app.cleanup_ctx.append(live_sessions_ctx)
