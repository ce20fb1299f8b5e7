"""Mini-program endpoints: /cgi-bin/token, /cgi-bin/stable_token, /wxa/business/getliveinfo."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .common import injected, origin, read_json, sim_state
from .errors import error_response
from .rooms import render_room, replay_segments
from .state import SimState

# The docs say "keep it within 100"; larger limits are clamped rather than refused (unconfirmed).
MAX_LIMIT = 100


def _credentials_error(state: SimState, grant_type: Any, appid: Any, secret: Any) -> int:
    if not appid:
        return 41002
    if not secret:
        return 41004
    if grant_type != "client_credential":
        return 40002
    if appid != state.config.appid:
        return 40013
    if secret != state.config.secret:
        return 40125
    return 0


async def token(request: web.Request) -> web.StreamResponse:
    """GET /cgi-bin/token: mint a new token; the previous one has 5 minutes left."""
    state = sim_state(request)
    state.counters["token_calls"] += 1
    if (fault := await injected(request, "token")) is not None:
        return fault
    q = request.query
    errcode = _credentials_error(state, q.get("grant_type"), q.get("appid"), q.get("secret"))
    if errcode:
        return error_response(state, errcode)
    record = state.tokens.mint("mp", state.now())
    return web.json_response({"access_token": record.token, "expires_in": state.config.token_ttl})


async def stable_token(request: web.Request) -> web.StreamResponse:
    """POST /cgi-bin/stable_token: the same token while valid, a new one on force_refresh."""
    state = sim_state(request)
    state.counters["stable_token_calls"] += 1
    if (fault := await injected(request, "stable_token")) is not None:
        return fault
    body = await read_json(request)
    if not isinstance(body, dict):
        return error_response(state, 47001)
    errcode = _credentials_error(
        state, body.get("grant_type"), body.get("appid"), body.get("secret")
    )
    if errcode:
        return error_response(state, errcode)
    now = state.now()
    record = state.tokens.current_valid("stable", now)
    # Rotate 5 minutes before expiry, as documented; the old token stays valid until it expires.
    if record is None or body.get("force_refresh") is True or record.expires - now <= 300:
        record = state.tokens.mint("stable", now)
    return web.json_response(
        {"access_token": record.token, "expires_in": int(record.expires - now)}
    )


def _paging(body: dict[str, Any]) -> tuple[int, int] | None:
    start, limit = body.get("start"), body.get("limit")
    for value in (start, limit):
        if isinstance(value, bool) or not isinstance(value, int):
            return None
    assert isinstance(start, int) and isinstance(limit, int)
    if start < 0 or limit < 1:
        return None
    return start, min(limit, MAX_LIMIT)


async def getliveinfo(request: web.Request) -> web.StreamResponse:
    """POST /wxa/business/getliveinfo: the room list, or with action get_replay a room's replay."""
    state = sim_state(request)
    body = await read_json(request)
    replay = isinstance(body, dict) and body.get("action") == "get_replay"
    state.counters["replay_calls" if replay else "getliveinfo_calls"] += 1
    if (fault := await injected(request, "replay" if replay else "getliveinfo")) is not None:
        return fault
    errcode = state.tokens.check(request.query.get("access_token"), ("mp", "stable"), state.now())
    if errcode:
        return error_response(state, errcode)
    if not state.use_quota():
        return error_response(state, 45009)
    paging = _paging(body) if isinstance(body, dict) else None
    if paging is None:
        return error_response(state, 47001)
    assert isinstance(body, dict)
    start, limit = paging
    if replay:
        return _replay(request, state, body.get("room_id"), start, limit)
    rooms = sorted(state.rooms.values(), key=lambda r: (r["start_time"], r["roomid"]), reverse=True)
    if start >= len(rooms):
        return error_response(state, 9410000)
    base = origin(request)
    return web.json_response(
        {
            "errcode": 0,
            "errmsg": "ok",
            "total": len(rooms),
            "room_info": [render_room(room, base) for room in rooms[start : start + limit]],
            "live_replay": [],
        }
    )


def _replay(
    request: web.Request, state: SimState, room_id: Any, start: int, limit: int
) -> web.Response:
    if isinstance(room_id, bool) or not isinstance(room_id, int):
        return error_response(state, 47001)
    room = state.rooms.get(room_id)
    if room is None:
        return error_response(state, 300022)
    config = state.config
    segments = replay_segments(
        room, state.now(), config.replay_delay, config.replay_ttl, origin(request)
    )
    return web.json_response(
        {
            "errcode": 0,
            "errmsg": "ok",
            "total": len(segments),
            "room_info": [],
            "live_replay": segments[start : start + limit],
        }
    )
