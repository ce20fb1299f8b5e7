"""WeChat-browser sign-in through the 公众号's web OAuth (snsapi_userinfo).

`/auth/wechat/login?next=` binds a fresh `state` to the session and sends the browser to
WeChat's consent page; `/auth/wechat/callback` checks that state, swaps the code for the user's
token (`sns/oauth2/access_token`), reads `sns/userinfo` and signs the person in with a new
session, as the WeCom sign-in does. Without HUB_WECHAT_OA_APPID it answers 503 and says so.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.keys import CLOCK, DB, HTTP, SETTINGS
from hub.storage.identities import WECHAT, upsert_wechat
from hub.web.auth import oauth_return, redirect_exactly, start_session, to_consent
from hub.web.errors import ApiError
from hub.web.mp_auth import refusal
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
    raise await to_consent(request, state, url)


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
    code, next_path = await oauth_return(request, missing_code="login_code_invalid")
    openid, unionid, nickname, avatar = await _wechat_person(request, code)
    app = request.app
    user_id = await upsert_wechat(
        app[DB], WECHAT, openid, unionid, nickname, avatar, app[CLOCK].time()
    )
    await start_session(request, user_id)
    log.info("WeChat user %d signed in", user_id)
    raise redirect_exactly(next_path)


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
