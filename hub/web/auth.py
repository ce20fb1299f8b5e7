"""Sign-in through WeCom OAuth, encrypted cookie sessions, and who the current user is."""

from __future__ import annotations

from aiohttp import web

from hub.keys import DB
from hub.storage.users import User, get_user, set_name
from hub.web.errors import ApiError
from hub.web.sessions import get_session, setup_sessions
from hub.web.validate import read_json, text_field

USER_KEY = "uid"
STATE_KEY = "oauth_state"
NEXT_KEY = "oauth_next"


async def current_user(request: web.Request) -> User | None:
    """The signed-in user of this request's session cookie, or None."""
    session = await get_session(request)
    uid = session.get(USER_KEY)
    if not isinstance(uid, int) or isinstance(uid, bool):
        return None
    return await get_user(request.app[DB], uid)


async def require_user(request: web.Request) -> User:
    """The signed-in user; 401 JSON for anonymous requests."""
    user = await current_user(request)
    if user is None:
        raise ApiError(401, "unauthorized", "sign in first (/auth/login)")
    return user


def safe_next(raw: str | None) -> str:
    """A local path to return to after login; anything else (other hosts, schemes) is "/"."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return "/"
    if any(ch in raw for ch in "\\\r\n\t") or any(ord(ch) < 0x20 for ch in raw):
        return "/"
    return raw


async def me(request: web.Request) -> web.Response:
    """GET /api/me: the signed-in user."""
    user = await require_user(request)
    return web.json_response({"user": user.as_json()})


async def rename_me(request: web.Request) -> web.Response:
    """PUT /api/me {"name"}: pick the name others see (later logins keep it)."""
    user = await require_user(request)
    body = await read_json(request)
    name = text_field(body, "name", max_len=100)
    updated = await set_name(request.app[DB], user.id, name)
    if updated is None:  # pragma: no cover - the user was just read
        raise ApiError(401, "unauthorized", "sign in first (/auth/login)")
    return web.json_response({"user": updated.as_json()})


async def logout(request: web.Request) -> web.Response:
    """POST /auth/logout: forget the session."""
    session = await get_session(request)
    session.invalidate()
    return web.json_response({"ok": True})


def setup_auth(app: web.Application) -> None:
    """Install the session middleware and the /auth and /api/me routes."""
    setup_sessions(app)
    app.router.add_post("/auth/logout", logout, name="auth_logout")
    app.router.add_get("/api/me", me, name="api_me")
    app.router.add_put("/api/me", rename_me, name="api_me_rename")
