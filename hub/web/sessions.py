"""Encrypted cookie sessions (aiohttp-session's storage) behind typed request keys."""

from __future__ import annotations

import base64
import hashlib

from aiohttp import web
from aiohttp_session import AbstractStorage, Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from hub.keys import SETTINGS
from hub.settings import Settings

COOKIE_NAME = "hub_session"
SESSIONS = web.AppKey("sessions", AbstractStorage)
SESSION_MAX_AGE = 7 * 24 * 3600

# aiohttp-session's own middleware stores itself under plain string request keys, which
# aiohttp 3.14 warns about; this thin one keeps the library's storage and uses a RequestKey.
_SESSION = web.RequestKey("hub_session", Session)


def session_cipher(secret_key: str) -> Fernet:
    """The cookie cipher: Fernet keyed by the SHA-256 of HUB_SECRET_KEY."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()))


def session_storage(settings: Settings) -> EncryptedCookieStorage:
    """Encrypted, HttpOnly, SameSite=Lax cookies; Secure when the public URL is https."""
    return EncryptedCookieStorage(
        session_cipher(settings.secret_key),
        cookie_name=COOKIE_NAME,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
    )


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


def setup_sessions(app: web.Application) -> None:
    """Keep the cookie storage on the app (hub.web.middleware writes changed sessions back)."""
    app[SESSIONS] = session_storage(app[SETTINGS])
