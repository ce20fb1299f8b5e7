"""Test hooks under /_sim/: state, rooms, faults, token rotation, reset and the clock."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from .common import origin, read_json, sim_error, sim_state
from .faults import FaultSpecError, parse_faults
from .rooms import RoomSpecError, complete_room, generate_rooms, render_room
from .state import SimState

MAX_ROOMS = 10_000


def _rooms_json(request: web.Request, state: SimState) -> list[dict[str, Any]]:
    base = origin(request)
    rooms = sorted(state.rooms.values(), key=lambda r: (r["start_time"], r["roomid"]), reverse=True)
    return [render_room(room, base) for room in rooms]


async def get_state(request: web.Request) -> web.Response:
    """GET /_sim/state: counters, errcodes, quota, rooms and the clock."""
    state = sim_state(request)
    counters = {
        name: state.counters[name]
        for name in (
            "token_calls", "stable_token_calls", "wecom_token_calls", "getliveinfo_calls",
            "replay_calls", "authorize_calls", "getuserinfo_calls", "getuserdetail_calls",
            "user_get_calls", "jscode2session_calls", "oa_authorize_calls",
            "oauth2_access_token_calls", "userinfo_calls",
        )
    }  # fmt: skip
    return web.json_response(
        {
            **counters,
            "quota_used": state.quota[state.beijing_day()],
            "daily_quota": state.daily_quota,
            "errcodes": {str(code): n for code, n in sorted(state.errcodes.items())},
            "faults_pending": state.faults.pending(),
            "rooms": _rooms_json(request, state),
            "now": int(state.now()),
        }
    )


def _int_field(body: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be an integer in [{low}, {high}]")
    return value


async def _object_body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    body = await read_json(request)
    if body is None and optional:
        return {}
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


async def post_rooms(request: web.Request) -> web.Response:
    """POST /_sim/rooms: {"rooms": [...], "replace": bool}; partial rooms get defaults."""
    state = sim_state(request)
    try:
        body = await _object_body(request)
        specs = body.get("rooms")
        if not isinstance(specs, list) or len(specs) > MAX_ROOMS:
            raise ValueError(f"rooms must be a list of at most {MAX_ROOMS} objects")
        replace = body.get("replace", False)
        if not isinstance(replace, bool):
            raise ValueError("replace must be true or false")
        rooms: dict[int, dict[str, Any]] = {} if replace else dict(state.rooms)
        next_id = max(rooms, default=0) + 1
        for spec in specs:
            roomid = spec.get("roomid") if isinstance(spec, dict) else None
            if roomid is None:
                roomid, next_id = next_id, next_id + 1
            elif isinstance(roomid, bool) or not isinstance(roomid, int) or roomid < 1:
                raise ValueError("roomid must be a positive integer")
            rooms[roomid] = complete_room(spec, roomid, state.now(), rooms.get(roomid))
            next_id = max(next_id, roomid + 1)
    except (ValueError, RoomSpecError) as exc:
        return sim_error(400, str(exc))
    state.rooms = rooms
    return web.json_response({"rooms": _rooms_json(request, state)})


async def generate(request: web.Request) -> web.Response:
    """POST /_sim/rooms/generate: {"count": N, "seed": S, "replace": bool} realistic rooms."""
    state = sim_state(request)
    try:
        body = await _object_body(request)
        count = _int_field(body, "count", 0, MAX_ROOMS)
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer")
        if not isinstance(body.get("replace", True), bool):
            raise ValueError("replace must be true or false")
    except ValueError as exc:
        return sim_error(400, str(exc))
    rooms = generate_rooms(count or 0, seed, state.now())
    if body.get("replace", True):
        state.replace_rooms(rooms)
    else:
        # Shift the new ids past the existing ones so adding never overwrites a room.
        shift = max(state.rooms, default=0)
        for room in rooms:
            room["roomid"] += shift
            for key in ("cover_img", "share_img", "feeds_img"):
                room[key] = f"/_sim/img/{key.removesuffix('_img')}/{room['roomid']}.svg"
            state.rooms[room["roomid"]] = room
    return web.json_response({"rooms": _rooms_json(request, state)})


async def delete_room(request: web.Request) -> web.Response:
    """DELETE /_sim/rooms/{roomid}: forget one room."""
    state = sim_state(request)
    roomid = request.match_info["roomid"]
    if not roomid.isdigit() or state.rooms.pop(int(roomid), None) is None:
        return sim_error(404, f"no room {roomid}")
    return web.json_response({"deleted": int(roomid)})


async def post_faults(request: web.Request) -> web.Response:
    """POST /_sim/faults: queue faults per endpoint, after those already queued."""
    state = sim_state(request)
    try:
        state.faults.add(parse_faults(await read_json(request)))
    except FaultSpecError as exc:
        return sim_error(400, str(exc))
    return web.json_response({"pending": state.faults.pending()})


async def delete_faults(request: web.Request) -> web.Response:
    """DELETE /_sim/faults: drop every queued fault."""
    sim_state(request).faults.clear()
    return web.json_response({"pending": {}})


async def rotate_token(request: web.Request) -> web.Response:
    """POST /_sim/tokens/rotate {"kind": "mp"|"stable"|"wecom"}: mint behind the client's back."""
    state = sim_state(request)
    try:
        body = await _object_body(request, optional=True)
    except ValueError as exc:
        return sim_error(400, str(exc))
    kind = body.get("kind", "mp")
    if kind not in ("mp", "stable", "wecom"):
        return sim_error(400, "kind must be mp, stable or wecom")
    record = state.tokens.mint(kind, state.now())
    return web.json_response({"access_token": record.token, "expires_in": state.config.token_ttl})


async def reset(request: web.Request) -> web.Response:
    """POST /_sim/reset: counters, faults, tokens, codes and clock back to the start."""
    state = sim_state(request)
    try:
        body = await _object_body(request, optional=True)
        quota = _int_field(body, "daily_quota", 0, 10**9)
        count = _int_field(body, "rooms", 0, MAX_ROOMS)
    except ValueError as exc:
        return sim_error(400, str(exc))
    state.reset(quota)
    if count is not None:
        state.replace_rooms(generate_rooms(count, state.config.seed, state.now()))
    return web.json_response({"ok": True, "now": int(state.now())})


async def clock(request: web.Request) -> web.Response:
    """POST /_sim/clock {"advance": seconds}: move the simulator clock forward."""
    state = sim_state(request)
    try:
        body = await _object_body(request)
    except ValueError as exc:
        return sim_error(400, str(exc))
    advance = body.get("advance")
    if isinstance(advance, bool) or not isinstance(advance, int | float):
        return sim_error(400, "advance must be a number of seconds")
    if not math.isfinite(advance) or not 0 <= advance <= 10 * 365 * 86400:
        return sim_error(400, "advance must be between 0 and ten years")
    state.offset += float(advance)
    return web.json_response({"now": int(state.now()), "offset": state.offset})


async def names(request: web.Request) -> web.Response:
    """POST /_sim/names {"withhold": bool}: user/get refuses names (60011) while withheld."""
    state = sim_state(request)
    try:
        body = await _object_body(request)
        withhold = body.get("withhold")
        if not isinstance(withhold, bool):
            raise ValueError("withhold must be true or false")
    except ValueError as exc:
        return sim_error(400, str(exc))
    state.withhold_names = withhold
    return web.json_response({"withhold": withhold})
