"""WeChat-style error answers: HTTP 200 with errcode and an errmsg ending in a request id."""

from __future__ import annotations

import secrets
import time

from aiohttp import web

from .state import SimState

ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40003: "invalid openid",
    40014: "invalid access_token",
    40029: "invalid code",
    40056: "invalid agentid",
    40091: "invalid secret",
    40125: "invalid appsecret",
    40129: "invalid user_ticket",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    40226: "high risk user",
    47001: "data format error",
    300022: "room not exist",
    9410000: "empty room list",
    9410001: "get room info fail",
    9410002: "get goods info fail",
    9410003: "get replay fail",
}

WECOM_ERRMSG: dict[int, str] = {
    40013: "invalid corpid",
    41002: "corpid missing",
    41004: "corpsecret missing",
    60011: "no privilege to access/modify contact/party/agent",
    60111: "invalid string value `userid`. userid not found",
}


def _rid() -> str:
    # Real errmsgs end with a request id; clients must never parse errmsg, so make it vary.
    return f"{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def errmsg(errcode: int, *, wecom: bool = False) -> str:
    """Return the errmsg WeChat (or WeCom, with its own suffix) would send for errcode."""
    text = (WECOM_ERRMSG.get(errcode) if wecom else None) or ERRMSG.get(errcode, "unknown error")
    if wecom:
        hint = f"{int(time.time())}_{secrets.token_hex(8)}"
        return (
            f"{text}, hint: [{hint}], more info at "
            f"https://open.work.weixin.qq.com/devtool/query?e={errcode}"
        )
    return f"{text} rid: {_rid()}"


def error_response(state: SimState, errcode: int, *, wecom: bool = False) -> web.Response:
    """Build an errcode answer and count it in the state's errcode counters."""
    state.count_errcode(errcode)
    return web.json_response({"errcode": errcode, "errmsg": errmsg(errcode, wecom=wecom)})
