"""WeCom endpoints: gettoken, the OAuth page, auth/getuserinfo, auth/getuserdetail, user/get."""

from __future__ import annotations

import html
import re
import secrets

from aiohttp import web
from yarl import URL

from . import wx_login
from .common import injected, origin, read_json, sim_state
from .errors import error_response
from .state import CODE_TTL, TICKET_TTL, Grant, SimState

USERID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
STATE_RE = re.compile(r"[A-Za-z0-9]{0,128}")
SCOPES = ("snsapi_base", "snsapi_privateinfo")


async def gettoken(request: web.Request) -> web.StreamResponse:
    """GET /cgi-bin/gettoken: one token per corp, the same one while it is valid."""
    state = sim_state(request)
    state.counters["wecom_token_calls"] += 1
    if (fault := await injected(request, "gettoken", wecom=True)) is not None:
        return fault
    corpid, secret = request.query.get("corpid"), request.query.get("corpsecret")
    errcode = 0
    if not corpid:
        errcode = 41002
    elif not secret:
        errcode = 41004
    elif corpid != state.config.corpid:
        errcode = 40013
    elif secret != state.config.corpsecret:
        errcode = 40091
    if errcode:
        return error_response(state, errcode, wecom=True)
    now = state.now()
    record = state.tokens.current_valid("wecom", now) or state.tokens.mint("wecom", now)
    return web.json_response(
        {
            "errcode": 0,
            "errmsg": "ok",
            "access_token": record.token,
            "expires_in": int(record.expires - now),
        }
    )


def _error_page(message: str) -> web.Response:
    body = f"<!doctype html><title>授权失败</title><h1>授权失败</h1><p>{html.escape(message)}</p>"
    return web.Response(status=400, text=body, content_type="text/html")


def _authorize_problem(state: SimState, request: web.Request) -> str | None:
    q = request.query
    if q.get("appid") != state.config.corpid:
        return "appid must be the corpid (40013)"
    redirect = q.get("redirect_uri", "")
    url = URL(redirect) if redirect else None
    if url is None or not url.is_absolute() or url.scheme not in ("http", "https"):
        return "redirect_uri must be an absolute http(s) URL"
    if q.get("response_type") != "code":
        return "response_type must be code"
    if q.get("scope") not in SCOPES:
        return f"scope must be one of {', '.join(SCOPES)}"
    agentid = q.get("agentid")
    if q.get("scope") == "snsapi_privateinfo" and not agentid:
        return "agentid is required with snsapi_privateinfo (40056)"
    if agentid and agentid != state.config.agentid:
        return "invalid agentid (40056)"
    if not STATE_RE.fullmatch(q.get("state", "")):
        return "state must be [a-zA-Z0-9], at most 128 bytes"
    return None


async def authorize(request: web.Request) -> web.StreamResponse:
    """GET /connect/oauth2/authorize: pick a demo user, or approve at once with &userid=."""
    state = sim_state(request)
    if request.query.get("appid") == state.config.oa_appid:
        # WeCom and the 公众号 share this page (open.weixin.qq.com); the appid tells them apart.
        return await wx_login.oa_authorize(request)
    state.counters["authorize_calls"] += 1
    problem = _authorize_problem(state, request)
    if problem is not None:
        return _error_page(problem)
    userid = request.query.get("userid")
    if userid is None:
        return _picker_page(state, request)
    if not USERID_RE.fullmatch(userid):
        return _error_page("userid must match [A-Za-z0-9_.-]{1,64}")
    # Any well-formed userid joins the corp on the fly, so tests can log in as anyone.
    # Named by their userid: user/get gives that as their name (the demo members have real ones).
    state.members.setdefault(userid, (userid, "0"))
    code = secrets.token_urlsafe(24)
    scope = request.query["scope"]
    state.codes[code] = Grant(userid, scope, state.now() + CODE_TTL)
    target = URL(request.query["redirect_uri"]).update_query(
        code=code, state=request.query.get("state", "")
    )
    raise web.HTTPFound(str(target))


def _picker_page(state: SimState, request: web.Request) -> web.Response:
    items = []
    for userid, (name, _gender) in state.members.items():
        link = request.rel_url.update_query(userid=userid)
        items.append(
            f'<li><a href="{html.escape(str(link))}">'
            f'<img src="/_sim/img/avatar/{html.escape(userid)}.svg" width="32" height="32" alt="">'
            f" {html.escape(name)} ({html.escape(userid)})</a></li>"
        )
    body = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>企业微信授权</title>'
        "<h1>企业微信授权 (simulator)</h1><p>选择登录的成员:</p><ul>" + "".join(items) + "</ul>"
    )
    return web.Response(text=body, content_type="text/html")


async def _called(request: web.Request, endpoint: str) -> web.StreamResponse | None:
    """Count a call of a token-guarded WeCom endpoint; the answer to send instead when a fault is
    injected or the access token is not a live one."""
    state = sim_state(request)
    state.counters[f"{endpoint}_calls"] += 1
    if (fault := await injected(request, endpoint, wecom=True)) is not None:
        return fault
    token = request.query.get("access_token")
    if errcode := state.tokens.check(token, ("wecom",), state.now()):
        return error_response(state, errcode, wecom=True)
    return None


async def getuserinfo(request: web.Request) -> web.StreamResponse:
    """GET /cgi-bin/auth/getuserinfo: trade a single-use code for the userid (and a ticket)."""
    if (refused := await _called(request, "getuserinfo")) is not None:
        return refused
    state = sim_state(request)
    code = request.query.get("code")
    if not code:
        return error_response(state, 41008, wecom=True)
    # pop: a code works once, even when it has expired.
    grant = state.codes.pop(code, None)
    now = state.now()
    if grant is None or now >= grant.expires:
        return error_response(state, 40029, wecom=True)
    answer: dict[str, object] = {"errcode": 0, "errmsg": "ok", "userid": grant.userid}
    if grant.scope == "snsapi_privateinfo":
        ticket = secrets.token_urlsafe(48)
        state.tickets[ticket] = Grant(grant.userid, grant.scope, now + TICKET_TTL)
        answer.update(user_ticket=ticket, expires_in=TICKET_TTL)
    return web.json_response(answer)


async def getuserdetail(request: web.Request) -> web.StreamResponse:
    """POST /cgi-bin/auth/getuserdetail: a ticket's private details; no name, gender a string."""
    if (refused := await _called(request, "getuserdetail")) is not None:
        return refused
    state = sim_state(request)
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("user_ticket"), str):
        return error_response(state, 47001, wecom=True)
    grant = state.tickets.get(body["user_ticket"])
    if grant is None or state.now() >= grant.expires:
        return error_response(state, 40129, wecom=True)
    userid = grant.userid
    _name, gender = state.members.get(userid, (userid, "0"))
    digits = sum(ord(c) for c in userid) % 10**8
    return web.json_response(
        {
            "errcode": 0,
            "errmsg": "ok",
            "userid": userid,
            "gender": gender,
            "avatar": f"{origin(request)}/_sim/img/avatar/{userid}.svg",
            "qr_code": f"{origin(request)}/_sim/img/qr/{userid}.svg",
            "mobile": f"138{digits:08d}",
            "email": f"{userid}@demo-corp.example",
            "biz_mail": f"{userid}@demo-corp.wecom.work",
            "address": "广州市海珠区新港中路 397 号",
        }
    )


async def user_get(request: web.Request) -> web.StreamResponse:
    """GET /cgi-bin/user/get?userid=: a member's name (60011 while /_sim/names withholds them)."""
    if (refused := await _called(request, "user_get")) is not None:
        return refused
    state = sim_state(request)
    userid = request.query.get("userid", "")
    member = state.members.get(userid)
    if member is None:
        return error_response(state, 60111, wecom=True)
    if state.withhold_names:
        return error_response(state, 60011, wecom=True)
    name, gender = member
    return web.json_response(
        {"errcode": 0, "errmsg": "ok", "userid": userid, "name": name, "gender": gender}
    )
