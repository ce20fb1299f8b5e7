"""WeChat sign-ins: the mini-program's jscode2session and the 公众号's web OAuth (snsapi_userinfo).

A test (or the example) gets a `wx.login` code from POST /_sim/wx/login {"person"}; the 公众号's
authorize page (shared with WeCom's path, told apart by appid) lists people or approves at once
with `&person=`. Codes live 5 minutes and work once; faults as for every endpoint.
"""

from __future__ import annotations

import html
import secrets

from aiohttp import web
from yarl import URL

from .common import injected, origin, read_json, sim_error, sim_state
from .errors import error_response
from .state import CODE_TTL, SimState
from .wx_people import DEMO_PEOPLE, PERSON_RE, WxAccess, WxGrant, nickname, openid, unionid

ACCESS_TTL = 7200


async def wx_login(request: web.Request) -> web.Response:
    """POST /_sim/wx/login {"person"}: the code `wx.login` would give that person's phone."""
    body = await read_json(request)
    person = body.get("person") if isinstance(body, dict) else None
    if not isinstance(person, str) or not PERSON_RE.fullmatch(person):
        return sim_error(400, "person must match [A-Za-z0-9_-]{1,32}")
    state = sim_state(request)
    code = state.wx.issue_code("mp", person, state.now() + CODE_TTL)
    return web.json_response({"code": code, "expires_in": CODE_TTL})


def _app_error(state: SimState, appid: str | None, secret: str | None, mp: bool) -> int:
    want_id, want_secret = (
        (state.config.appid, state.config.secret)
        if mp
        else (state.config.oa_appid, state.config.oa_secret)
    )
    if not appid:
        return 41002
    if not secret:
        return 41004
    if appid != want_id:
        return 40013
    return 40125 if secret != want_secret else 0


async def _redeem(
    request: web.Request, state: SimState, endpoint: str, code_param: str, *, mp: bool
) -> WxGrant | web.StreamResponse:
    """The checks WeChat makes before it swaps a login code (the mini-program's js_code or the
    公众号's OAuth code): app credentials, grant_type, the code; then the code's grant, used up.
    An answer to send instead when any fails (or a fault is injected)."""
    state.counters[f"{endpoint}_calls"] += 1
    if (fault := await injected(request, endpoint)) is not None:
        return fault
    q = request.query
    if errcode := _app_error(state, q.get("appid"), q.get("secret"), mp=mp):
        return error_response(state, errcode)
    if q.get("grant_type") != "authorization_code":
        return error_response(state, 40002)
    code = q.get(code_param)
    if not code:
        return error_response(state, 41008)
    grant = state.wx.take_code("mp" if mp else "oa", code, state.now())
    if grant is None:
        return error_response(state, 40029)
    return grant


async def jscode2session(request: web.Request) -> web.StreamResponse:
    """GET /sns/jscode2session: openid, session_key and, when bound, unionid."""
    state = sim_state(request)
    grant = await _redeem(request, state, "jscode2session", "js_code", mp=True)
    if isinstance(grant, web.StreamResponse):
        return grant
    answer: dict[str, str] = {
        "openid": openid(state.config.appid, grant.person),
        "session_key": secrets.token_urlsafe(16),
    }
    if (union := unionid(grant.person)) is not None:
        answer["unionid"] = union
    return web.json_response(answer)


def _authorize_problem(state: SimState, request: web.Request) -> str | None:
    q = request.query
    redirect = q.get("redirect_uri", "")
    url = URL(redirect) if redirect else None
    if url is None or not url.is_absolute() or url.scheme not in ("http", "https"):
        return "redirect_uri must be an absolute http(s) URL (redirect_uri 参数错误)"
    if q.get("response_type") != "code":
        return "response_type must be code"
    if q.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
        return "scope must be snsapi_base or snsapi_userinfo (scope 参数错误)"
    state_param = q.get("state", "")
    if len(state_param) > 128 or not state_param.isascii() or not state_param.isalnum():
        return "state must be [a-zA-Z0-9], at most 128 bytes" if state_param else None
    return None


async def oa_authorize(request: web.Request) -> web.StreamResponse:
    """GET /connect/oauth2/authorize with the 公众号's appid: pick a person, or &person=."""
    state = sim_state(request)
    state.counters["oa_authorize_calls"] += 1
    problem = _authorize_problem(state, request)
    if problem is not None:
        body = (
            f"<!doctype html><title>授权失败</title><h1>授权失败</h1><p>{html.escape(problem)}</p>"
        )
        return web.Response(status=400, text=body, content_type="text/html")
    person = request.query.get("person")
    if person is None:
        items = "".join(
            f'<li><a href="{html.escape(str(request.rel_url.update_query(person=p)))}">'
            f"{html.escape(nickname(p))} ({html.escape(p)})</a></li>"
            for p in DEMO_PEOPLE
        )
        body = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>微信授权</title>'
            "<h1>微信授权 (simulator)</h1><p>选择登录的微信用户:</p><ul>" + items + "</ul>"
        )
        return web.Response(text=body, content_type="text/html")
    if not PERSON_RE.fullmatch(person):
        return web.Response(status=400, text="person must match [A-Za-z0-9_-]{1,32}")
    code = state.wx.issue_code("oa", person, state.now() + CODE_TTL)
    target = URL(request.query["redirect_uri"]).update_query(
        code=code, state=request.query.get("state", "")
    )
    raise web.HTTPFound(str(target))


async def oauth2_access_token(request: web.Request) -> web.StreamResponse:
    """GET /sns/oauth2/access_token: a 公众号 code to the user's token and openid."""
    state = sim_state(request)
    grant = await _redeem(request, state, "oauth2_access_token", "code", mp=False)
    if isinstance(grant, web.StreamResponse):
        return grant
    now = state.now()
    token = secrets.token_urlsafe(32)
    oa_openid = openid(state.config.oa_appid, grant.person)
    state.wx.tokens[token] = WxAccess(grant.person, oa_openid, now + ACCESS_TTL)
    answer: dict[str, object] = {
        "access_token": token,
        "expires_in": ACCESS_TTL,
        "refresh_token": secrets.token_urlsafe(32),
        "openid": oa_openid,
        "scope": "snsapi_userinfo",
    }
    if (union := unionid(grant.person)) is not None:
        answer["unionid"] = union
    return web.json_response(answer)


async def userinfo(request: web.Request) -> web.StreamResponse:
    """GET /sns/userinfo: nickname, headimgurl and unionid of a user token's person."""
    state = sim_state(request)
    state.counters["userinfo_calls"] += 1
    if (fault := await injected(request, "userinfo")) is not None:
        return fault
    access = state.wx.tokens.get(request.query.get("access_token", ""))
    if access is None or state.now() >= access.expires:
        return error_response(state, 40014 if access is None else 42001)
    if request.query.get("openid") != access.openid:
        return error_response(state, 40003)
    answer: dict[str, object] = {
        "openid": access.openid,
        "nickname": nickname(access.person),
        "sex": 0,
        "province": "广东",
        "city": "广州",
        "country": "中国",
        "headimgurl": f"{origin(request)}/_sim/img/avatar/{access.person}.svg",
        "privilege": [],
    }
    if (union := unionid(access.person)) is not None:
        answer["unionid"] = union
    return web.json_response(answer)
