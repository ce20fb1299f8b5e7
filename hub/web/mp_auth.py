"""Mini-program sign-in: POST /api/mp/login {"code"} from `wx.login` gives a bearer token.

The token is a session id like the cookie's (hashed in `app_session`, ended by logout, "sign
out everywhere" and an admin's revocation); a mini-program sends it as `Authorization: Bearer`
and opens meeting sockets with a ws ticket, since `wx.connectSocket` sends no cookie. The
session_key WeChat answers is dropped at once: hub decrypts nothing a mini-program sends.
"""

from __future__ import annotations

import logging

from aiohttp import web

from hub.errors import bad_request, forbidden
from hub.keys import CLOCK, DB
from hub.storage.identities import MINIPROGRAM, upsert_wechat
from hub.storage.users import get_user
from hub.web.auth import require_user
from hub.web.errors import ApiError
from hub.web.sessions import LIVE_SESSIONS, SESSION_MAX_AGE
from hub.web.validate import read_json
from hub.wechat.ctx import MP_CLIENT
from hub.wechat.errors import NotConfigured, WeChatError

log = logging.getLogger(__name__)

# jscode2session's answers a user can act on (wechat-api.md; 40163: a code already used).
BAD_CODE_ERRCODES = frozenset({40029, 40163})
TOO_FREQUENT_ERRCODE = 45011
RISKY_USER_ERRCODE = 40226


def read_code(body: dict[str, object]) -> str:
    """The `code` of a login body: 1-256 printable ASCII characters."""
    code = body.get("code")
    if not isinstance(code, str) or not 0 < len(code) <= 256 or not code.isascii():
        raise bad_request("'code' must be the code wx.login gave", "login_code_invalid")
    if not code.isprintable() or " " in code:
        raise bad_request("'code' must be the code wx.login gave", "login_code_invalid")
    return code


def refusal(exc: WeChatError, what: str) -> Exception:
    """The answer to a failed WeChat sign-in call: a clear code for what a user can act on."""
    if exc.errcode in BAD_CODE_ERRCODES:
        return bad_request("the login code is used or expired; sign in again", "login_code_invalid")
    if exc.errcode == TOO_FREQUENT_ERRCODE:
        return ApiError(
            429, "too_frequent", "WeChat says: too many sign-ins; try again in a minute"
        )
    if exc.errcode == RISKY_USER_ERRCODE:
        return forbidden("WeChat refused this account's sign-in (risky user)", "risky_user")
    log.warning("%s failed: errcode %s", what, exc.wechat_errcode)
    return ApiError(502, "wechat_unavailable", "WeChat did not answer; try again")


async def mp_login(request: web.Request) -> web.Response:
    """POST /api/mp/login {"code"}: sign a mini-program user in; {"token","expires_in","user"}."""
    code = read_code(await read_json(request))
    app = request.app
    try:
        answer = await app[MP_CLIENT].code_to_session(code)
    except NotConfigured:
        raise ApiError(
            503, "mp_login_unavailable", "mini-program sign-in is not configured"
        ) from None
    except WeChatError as exc:
        raise refusal(exc, "jscode2session") from None
    openid, unionid = answer.get("openid"), answer.get("unionid")
    if not isinstance(openid, str) or not 0 < len(openid) <= 128:
        log.warning("jscode2session answered without an openid")
        raise ApiError(502, "wechat_unavailable", "WeChat did not answer; try again")
    union = unionid if isinstance(unionid, str) and 0 < len(unionid) <= 64 else None
    user_id = await upsert_wechat(
        app[DB], MINIPROGRAM, openid, union, None, None, app[CLOCK].time()
    )
    user = await get_user(app[DB], user_id)
    if user is None:  # pragma: no cover - the row was just written
        raise ApiError(502, "wechat_unavailable", "WeChat did not answer; try again")
    token = await app[LIVE_SESSIONS].start(user.id)
    log.info("mini-program user %d signed in", user.id)
    payload = {**user.as_json(), "provider": user.provider}
    return web.json_response({"token": token, "expires_in": SESSION_MAX_AGE, "user": payload})


async def mp_logout(request: web.Request) -> web.Response:
    """POST /api/mp/logout: end the bearer token this request carries."""
    await require_user(request)
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    await request.app[LIVE_SESSIONS].end(token.strip())
    return web.json_response({"ok": True})


def setup_mp_auth(app: web.Application) -> None:
    """The mini-program's sign-in routes."""
    app.router.add_post("/api/mp/login", mp_login, name="mp_login")
    app.router.add_post("/api/mp/logout", mp_logout, name="mp_logout")
