"""WeChat-browser sign-in through the 公众号's web OAuth (snsapi_userinfo).

`/auth/wechat/login?next=` binds a fresh `state` to the session and sends the browser to
WeChat's consent page; `/auth/wechat/callback` checks that state, swaps the code for the user's
token (`sns/oauth2/access_token`), reads `sns/userinfo` and signs the person in with a new
session, as the WeCom sign-in does. Without HUB_WECHAT_OA_APPID it answers 503 and says so.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.errors import bad_request
from hub.keys import CLOCK, DB, HTTP, SETTINGS
from hub.storage.identities import WECHAT, upsert_wechat
from hub.web.auth import NEXT_KEY, SESSION_ID_KEY, STATE_KEY, USER_KEY, safe_next
from hub.web.errors import ApiError
from hub.web.mp_auth import refusal
from hub.web.sessions import LIVE_SESSIONS, get_session, new_session
from hub.wechat.endpoints import ENDPOINTS
from hub.wechat.errors import NotConfigured, WeChatError
from hub.wechat.http import Transport
from hub.wechat.oa import OfficialAccountClient

log = logging.getLogger(__name__)

OA_CLIENT = web.AppKey("oa_client", OfficialAccountClient)


def is_wechat_browser(user_agent: str) -> bool:
    """True inside WeChat's own browser (MicroMessenger), not WeCom's (which adds wxwork)."""
    ua = user_agent.lower()
    return "micromessenger" in ua and "wxwork" not in ua


def _redirect(url: str) -> web.HTTPFound:
    found = web.HTTPFound(url)
    found.headers["Location"] = url  # exactly: aiohttp would decode the escaped redirect_uri
    return found


def unavailable() -> ApiError:
    """The 503 of a hub without 公众号 credentials."""
    return ApiError(503, "wechat_login_unavailable", "WeChat sign-in is not configured")


async def wechat_login(request: web.Request) -> web.StreamResponse:
    """GET /auth/wechat/login?next=/path: bind a new `state`, go to WeChat's consent page."""
    state = secrets.token_hex(16)  # WeChat accepts [A-Za-z0-9] only
    redirect_uri = request.app[SETTINGS].public_url + "/auth/wechat/callback"
    try:
        url = request.app[OA_CLIENT].authorize_url(redirect_uri, state)
    except NotConfigured:
        raise unavailable() from None
    session = await get_session(request)
    session[STATE_KEY] = state
    session[NEXT_KEY] = safe_next(request.query.get("next"))
    raise _redirect(url)


def _text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


async def _wechat_person(
    request: web.Request, code: str
) -> tuple[str, str | None, str, str | None]:
    """(openid, unionid, nickname, avatar) for a 公众号 OAuth code."""
    client = request.app[OA_CLIENT]
    try:
        token = await client.exchange_code(code)
        openid, access = _text(token, "openid", 128), _text(token, "access_token", 1024)
        if openid is None or access is None:
            raise WeChatError(0, "sns/oauth2/access_token answered without openid")
        info = await client.user_info(access, openid)
    except NotConfigured:
        raise unavailable() from None
    except WeChatError as exc:
        raise refusal(exc, "公众号 sign-in") from None
    unionid = _text(info, "unionid", 64) or _text(token, "unionid", 64)
    nickname = (_text(info, "nickname", 400) or "微信用户").strip()[:100] or "微信用户"
    return openid, unionid, nickname, _text(info, "headimgurl", 500)


async def wechat_callback(request: web.Request) -> web.StreamResponse:
    """GET /auth/wechat/callback?code&state: check state, sign the WeChat user in, go `next`."""
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
        raise bad_request("the login code is missing", "login_code_invalid")
    next_path = safe_next(session.get(NEXT_KEY))
    openid, unionid, nickname, avatar = await _wechat_person(request, code)
    app = request.app
    user_id = await upsert_wechat(
        app[DB], WECHAT, openid, unionid, nickname, avatar, app[CLOCK].time()
    )
    live = app[LIVE_SESSIONS]
    previous = session.get(SESSION_ID_KEY)
    if isinstance(previous, str):
        await live.end(previous)  # signing in again replaces this browser's session
    fresh = await new_session(request)  # nothing planted before sign-in carries over
    fresh[USER_KEY] = user_id
    fresh[SESSION_ID_KEY] = await live.start(user_id)
    log.info("WeChat user %d signed in", user_id)
    raise _redirect(next_path)


async def wechat_status(request: web.Request) -> web.Response:
    """GET /auth/wechat/status: {"enabled"}, so the login page offers (or starts) it."""
    return web.json_response({"enabled": request.app[OA_CLIENT].configured})


async def oa_ctx(app: web.Application) -> AsyncIterator[None]:
    """The 公众号 client, once the HTTP session and (demo) the simulator's endpoints exist."""
    app[OA_CLIENT] = OfficialAccountClient(Transport(app[HTTP]), app[ENDPOINTS])
    if not app[OA_CLIENT].configured:
        log.info("the 公众号 is not configured; WeChat-browser sign-in is off")
    yield


def setup_wechat_auth(app: web.Application) -> None:
    """The 公众号 client's context and the /auth/wechat routes."""
    app.cleanup_ctx.append(oa_ctx)
    app.router.add_get("/auth/wechat/login", wechat_login, name="auth_wechat_login")
    app.router.add_get("/auth/wechat/callback", wechat_callback, name="auth_wechat_callback")
    app.router.add_get("/auth/wechat/status", wechat_status, name="auth_wechat_status")
