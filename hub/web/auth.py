"""Sign-in through WeCom OAuth, encrypted cookie sessions, and who the current user is."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from aiohttp import web
from yarl import URL

from hub.errors import HubError, bad_request, forbidden
from hub.i18n import catalogue, request_language
from hub.keys import CLOCK, DB, SETTINGS
from hub.storage.users import (
    User,
    get_user,
    record_wecom_name,
    set_name,
    upsert_login,
    wecom_name_due,
)
from hub.validate import text_field
from hub.web.errors import ApiError, status_of
from hub.web.sessions import LIVE_SESSIONS, get_session, new_session, setup_sessions
from hub.web.validate import read_json
from hub.wechat.ctx import WECOM_CLIENT
from hub.wechat.errors import NotConfigured, WeChatError

log = logging.getLogger(__name__)

USER_KEY = "uid"
SESSION_ID_KEY = "sid"
STATE_KEY = "oauth_state"
NEXT_KEY = "oauth_next"
# WeCom: "invalid code" (used, expired or unknown).
BAD_CODE_ERRCODE = 40029


async def current_user(request: web.Request) -> User | None:
    """The signed-in user of this request's session cookie, or None.

    The cookie must name a session that is still live on the server: a logout, a "sign out
    everywhere" or an admin's revocation ends it, whoever still holds a copy of the cookie.
    A bearer token (a mini-program's, from POST /api/mp/login) is such a session id too; a
    request that sends one is that token's user or nobody, whatever cookie it carries.
    """
    # A websocket's handshake asks once, and its socket never again: remembering its session
    # would only hold memory while thousands of sockets sit idle.
    remember = request.headers.get("Upgrade", "").lower() != "websocket"
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        bearer_uid = await request.app[LIVE_SESSIONS].user_of(token.strip(), remember=remember)
        return None if bearer_uid is None else await get_user(request.app[DB], bearer_uid)
    session = await get_session(request)
    uid = session.get(USER_KEY)
    sid = session.get(SESSION_ID_KEY)
    if not isinstance(uid, int) or isinstance(uid, bool) or not isinstance(sid, str):
        return None
    if await request.app[LIVE_SESSIONS].user_of(sid, remember=remember) != uid:
        if not session.empty:
            session.invalidate()  # the answer also deletes the dead cookie
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
    # Header-safe only: no backslashes (browsers read them as "/"), controls or non-ASCII.
    if "\\" in raw or any(not 0x20 < ord(ch) < 0x7F for ch in raw):
        return "/"
    return raw


def redirect_exactly(url: str) -> web.HTTPFound:
    """A 302 to exactly `url`: aiohttp would decode the escaped redirect_uri in the header."""
    found = web.HTTPFound(url)
    found.headers["Location"] = url
    return found


async def to_consent(request: web.Request, state: str, consent_url: str) -> web.HTTPFound:
    """The first leg of an OAuth sign-in (WeCom, 公众号): bind `state` and the page to come back to
    (`?next=`) to this browser's session; the 302 to the provider's consent page."""
    session = await get_session(request)
    session[STATE_KEY] = state
    session[NEXT_KEY] = safe_next(request.query.get("next"))
    return redirect_exactly(consent_url)


async def oauth_return(request: web.Request, missing_code: str) -> tuple[str, str]:
    """The OAuth code and the page to go to, once the return's `state` matches the one bound to
    this browser (400 `bad_state` otherwise; 400 `missing_code` without a usable code)."""
    session = await get_session(request)
    expected = session.get(STATE_KEY)
    state = request.query.get("state", "")
    if (
        not isinstance(expected, str)
        or not state
        or not hmac.compare_digest(state.encode(), expected.encode())
    ):
        raise bad_request("the login state does not match this browser; sign in again", "bad_state")
    code = request.query.get("code", "")
    if not code or len(code) > 512:
        raise bad_request("the login code is missing", missing_code)
    return code, safe_next(session.get(NEXT_KEY))


async def start_session(request: web.Request, user_id: int) -> None:
    """Sign `user_id` in on this browser: its earlier session ends, and a new one starts, so
    nothing set before sign-in (a planted cookie) carries over."""
    live = request.app[LIVE_SESSIONS]
    previous = (await get_session(request)).get(SESSION_ID_KEY)
    if isinstance(previous, str):
        await live.end(previous)
    fresh = await new_session(request)
    fresh[USER_KEY] = user_id
    fresh[SESSION_ID_KEY] = await live.start(user_id)


async def login(request: web.Request) -> web.StreamResponse:
    """GET /auth/login?next=/path: bind a new `state` to the session, go to WeCom's consent page."""
    app = request.app
    state = secrets.token_hex(16)  # WeCom accepts [A-Za-z0-9] only
    redirect_uri = app[SETTINGS].public_url + "/auth/callback"
    try:
        url = app[WECOM_CLIENT].authorize_url(redirect_uri, state)
    except NotConfigured:
        raise ApiError(503, "login_unavailable", "WeCom login is not configured") from None
    raise await to_consent(request, state, url)


async def _wecom_user(request: web.Request, code: str) -> tuple[str, str | None]:
    """Swap the OAuth code for (userid, avatar or None); 400 for a bad code, 403 non-members."""
    client = request.app[WECOM_CLIENT]
    try:
        info = await client.get_user_info(code)
    except WeChatError as exc:
        if exc.errcode == BAD_CODE_ERRCODE:
            msg = "the login code is used or expired; sign in again"
            raise bad_request(msg, "bad_code") from None
        log.warning("WeCom getuserinfo failed: errcode %s", exc.errcode)
        raise ApiError(502, "wecom_unavailable", "WeCom did not answer; try again") from None
    userid = info.get("userid") or info.get("UserId")
    if not isinstance(userid, str) or not 1 <= len(userid) <= 64:
        # An `openid` answer: someone outside the corp approved the login.
        raise forbidden("only members of this WeCom organization can sign in")
    ticket = info.get("user_ticket")
    if not isinstance(ticket, str) or not ticket:
        return userid, None
    try:
        detail: dict[str, Any] = await client.get_user_detail(ticket)
    except WeChatError as exc:
        # The avatar is a nicety: sign in without it rather than fail the login.
        log.warning("WeCom getuserdetail failed for %s: errcode %s", userid, exc.errcode)
        return userid, None
    avatar = detail.get("avatar")
    return userid, avatar if isinstance(avatar, str) and len(avatar) <= 500 else None


async def _refresh_name(request: web.Request, user: User) -> User:
    """Ask WeCom's user/get for the member's name at most daily; a refusal (60011 outside the
    app's visible range) or no name marks the user as needing one, and never fails sign-in."""
    db, now = request.app[DB], request.app[CLOCK].time()
    if not await wecom_name_due(db, user.id, now):
        return user
    name: str | None = None
    try:
        member = await request.app[WECOM_CLIENT].get_member(user.userid)
    except WeChatError as exc:
        log.info("WeCom user/get gave no name for %s: errcode %s", user.userid, exc.errcode)
    else:
        raw = member.get("name")
        name = raw.strip()[:100] if isinstance(raw, str) and raw.strip() else None
    await record_wecom_name(db, user.id, name, now)
    return await get_user(db, user.id) or user


def _wants_html(request: web.Request) -> bool:
    """A browser navigating (Back into the consent page, a stale tab) rather than an API client."""
    return "text/html" in request.headers.get("Accept", "")


async def _failed_page(request: web.Request, status: int, code: str) -> web.Response:
    """A styled page in the visitor's language with a sign-in-again button, never raw JSON."""
    # pages.py imports this module (current_user), so it is imported when a sign-in fails.
    from hub.web.pages import render

    messages = catalogue(request_language(request))
    lead = messages.get(f"auth.{code}") or messages.get(f"api.{code}") or messages["auth.failed"]
    session = await get_session(request)
    again = URL("/auth/login").with_query(next=safe_next(session.get(NEXT_KEY)))
    return await render(
        request, "auth_error.html", status=status, page="error", lead=lead, retry_url=str(again)
    )


async def callback(request: web.Request) -> web.StreamResponse:
    """GET /auth/callback?code&state: sign in; a failure is a page for browsers, JSON otherwise."""
    try:
        return await _sign_in(request)
    except HubError as exc:
        if not _wants_html(request):
            raise
        return await _failed_page(request, status_of(exc), exc.code)
    except ApiError as exc:
        if not _wants_html(request):
            raise
        return await _failed_page(request, exc.status, exc.code)


async def _sign_in(request: web.Request) -> web.StreamResponse:
    """Check state, sign the WeCom user in, go to `next`."""
    code, next_path = await oauth_return(request, missing_code="bad_code")
    userid, avatar = await _wecom_user(request, code)
    user = await upsert_login(request.app[DB], userid, avatar, request.app[CLOCK].time())
    user = await _refresh_name(request, user)
    await start_session(request, user.id)
    log.info("user %s signed in", user.userid)
    raise redirect_exactly(next_path)


async def me(request: web.Request) -> web.Response:
    """GET /api/me: the signed-in user, and whether the page should ask for a name."""
    user = await require_user(request)
    return web.json_response({"user": {**user.as_json(), "needs_name": user.needs_name}})


async def rename_me(request: web.Request) -> web.Response:
    """PUT /api/me {"name"}: pick the name others see (later logins keep it)."""
    user = await require_user(request)
    body = await read_json(request)
    name = text_field(body, "name", max_len=100)
    updated = await set_name(request.app[DB], user.id, name)
    if updated is None:  # pragma: no cover - the user was just read
        raise ApiError(401, "unauthorized", "sign in first (/auth/login)")
    return web.json_response({"user": {**updated.as_json(), "needs_name": updated.needs_name}})


async def logout(request: web.Request) -> web.Response:
    """POST /auth/logout: end this session on the server and delete the cookie."""
    session = await get_session(request)
    sid = session.get(SESSION_ID_KEY)
    if isinstance(sid, str):
        await request.app[LIVE_SESSIONS].end(sid)
    session.invalidate()
    return web.json_response({"ok": True})


async def logout_everywhere(request: web.Request) -> web.Response:
    """POST /auth/logout-everywhere: end every session of the signed-in user, this one too."""
    user = await require_user(request)
    ended = await request.app[LIVE_SESSIONS].end_all(user.id)
    (await get_session(request)).invalidate()
    log.info("user %s signed out everywhere (%d sessions)", user.userid, ended)
    return web.json_response({"ok": True, "ended": ended})


def setup_auth(app: web.Application) -> None:
    """Install sessions, the /auth and /api/me routes and the admin's session revocation."""
    # hub.web.admin reads the signed-in user from this module: import it once both exist.
    from hub.web.admin import revoke_user_sessions

    setup_sessions(app)
    app.router.add_get("/auth/login", login, name="auth_login")
    app.router.add_get("/auth/callback", callback, name="auth_callback")
    app.router.add_post("/auth/logout", logout, name="auth_logout")
    app.router.add_post("/auth/logout-everywhere", logout_everywhere, name="auth_logout_all")
    app.router.add_post(
        "/api/admin/users/{userid}/sessions/revoke",
        revoke_user_sessions,
        name="admin_revoke_sessions",
    )
    app.router.add_get("/api/me", me, name="api_me")
    app.router.add_put("/api/me", rename_me, name="api_me_rename")
