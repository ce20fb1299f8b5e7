"""Live-room routes: the mini-program's /live/* (egg.js compatible), /api/live/*, admin ones."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from hub.clock import iso_ts
from hub.errors import bad_request, conflict, not_found
from hub.keys import CLOCK, DB, SETTINGS
from hub.live.common import SyncAborted, SyncBusy, describe
from hub.live.pages import ROOM_PAGES, Encoded, ListRequest, dumps
from hub.live.sync import LIVE
from hub.storage import rooms as store
from hub.storage import sync_runs as runs_store
from hub.web.admin import require_admin
from hub.web.errors import ApiError
from hub.web.validate import path_int, query_int, read_json, whole_number
from hub.wechat.ctx import TOKEN_KEEPERS
from hub.wechat.errors import QuotaExceeded, WeChatError

log = logging.getLogger(__name__)

MAX_PAGE = 1000
MAX_PAGE_SIZE = 100
MAX_SEARCH = 100
STATUSES = frozenset(range(101, 108))
SYNC_OK = "同步直播间列表成功"
SYNC_FAILED = "同步直播间列表失败"
BUSY = "errcode=-1, errmsg=another sync is running, try again shortly"


def _json(body: Any, status: int = 200) -> web.Response:
    # Chinese names stay readable on the wire, as the egg.js service sent them.
    return web.json_response(body, status=status, dumps=dumps)


def _statuses(request: web.Request, name: str, *, replay: bool = False) -> tuple[int, ...]:
    raw = request.query.get(name, "").strip()
    if not raw:
        return ()
    found: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if replay and part == "replay":
            continue
        if whole_number(part) not in STATUSES:  # ASCII digits only: int("²") would raise
            raise bad_request(f"query parameter '{name}' must list live statuses 101..107")
        found.add(int(part))
    return tuple(sorted(found))


def _asks_replay(request: web.Request) -> bool:
    return "replay" in (p.strip() for p in request.query.get("status", "").split(","))


def search_text(request: web.Request) -> str:
    """`q`: words to find in room names and anchors, trimmed; 400 past MAX_SEARCH characters."""
    text = " ".join(request.query.get("q", "").split())
    if len(text) > MAX_SEARCH or "\x00" in text:
        raise bad_request(f"query parameter 'q' must be at most {MAX_SEARCH} characters")
    return text


def api_list_request(request: web.Request) -> ListRequest:
    """The list `/api/live/rooms` (and the home page) asks for: q, status, page, page_size."""
    return ListRequest(
        "api",
        query_int(request, "page", default=1, lo=1, hi=MAX_PAGE),
        query_int(request, "page_size", default=20, lo=1, hi=MAX_PAGE_SIZE),
        _statuses(request, "status", replay=True),
        search_text(request),
        _asks_replay(request),
    )


def _accepts_gzip(request: web.Request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip()
            return not q or q.strip("0.") != ""  # "q=0", "q=0.0": refused
    return False


def send_encoded(request: web.Request, encoded: Encoded) -> web.Response:
    """The bytes, or a 304 when the client holds them; gzip when accepted.

    Each coding is its own representation, so gzip gets its own strong ETag (`-gz`); either
    tag revalidates. `no-cache` makes every use a cheap revalidation, never a stale answer.
    """
    gz = encoded.gzipped is not None and _accepts_gzip(request)
    tag = f"{encoded.etag}-gz" if gz else encoded.etag
    headers = {"ETag": f'"{tag}"', "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    held = request.if_none_match or ()
    if any(e.value in (encoded.etag, f"{encoded.etag}-gz", "*") for e in held):
        return web.Response(status=304, headers=headers)
    if gz:
        assert encoded.gzipped is not None
        headers["Content-Encoding"] = "gzip"
        return web.Response(
            body=encoded.gzipped, headers=headers, content_type="application/json", charset="utf-8"
        )
    return web.Response(
        body=encoded.body, headers=headers, content_type="application/json", charset="utf-8"
    )


async def get_room_list(request: web.Request) -> web.Response:
    """GET /live/getRoomList?pageNum=&pageSize=[&live_status=101,102] (the mini-program's)."""
    want = ListRequest(
        "egg",
        query_int(request, "pageNum", default=1, lo=1, hi=MAX_PAGE),
        query_int(request, "pageSize", default=10, lo=1, hi=MAX_PAGE_SIZE),
        _statuses(request, "live_status"),
    )
    return send_encoded(request, await request.app[ROOM_PAGES].answer(want))


async def api_rooms(request: web.Request) -> web.Response:
    """GET /api/live/rooms?q=&status=101,102[,replay]&page=&page_size=: rooms and counts per
    status (and `replay`: rooms with replay segments), counted over the search alone."""
    want = api_list_request(request)
    return send_encoded(request, await request.app[ROOM_PAGES].answer(want))


def _room_json(request: web.Request, room: store.LiveRoom) -> dict[str, Any]:
    body = room.as_json(request.app[SETTINGS].default_anchor_img)
    body["replay_checked_at"] = iso_ts(room.replay_checked_at)
    body["replay_next_check_at"] = iso_ts(room.replay_next_check_at)
    body["replay_expires_at"] = iso_ts(room.replay_expires_at)
    return body


async def api_room(request: web.Request) -> web.Response:
    """GET /api/live/rooms/{roomid}."""
    room = await store.get_room(request.app[DB], path_int(request, "roomid"))
    if room is None:
        raise not_found("room")
    return _json(_room_json(request, room))


async def sync_room_list(request: web.Request) -> web.Response:
    """GET /live/syncRoomList (admin): the egg.js answer, `code` 1 on success, 0 on failure."""
    await require_admin(request)
    try:
        run = await request.app[LIVE].sync_requested()
    except SyncBusy:
        return _json({"code": 0, "msg": f"{SYNC_FAILED}: {BUSY}"})
    if run is None or not run.ok:
        reason = run.error if run is not None and run.error else "errcode=-1, errmsg=unknown"
        return _json({"code": 0, "msg": f"{SYNC_FAILED}: {reason}"})
    return _json({"code": 1, "msg": SYNC_OK})


async def sync_live_replay(request: web.Request) -> web.Response:
    """GET /live/syncLiveReplay?roomId=N (admin): `{"code": 1, "msg": "success", "data": [...]}`."""
    await require_admin(request)
    roomid = query_int(request, "roomId", default=0, lo=0, hi=2**53)
    if roomid == 0:
        raise bad_request("query parameter 'roomId' is required")
    try:
        room = await request.app[LIVE].replay_requested(roomid)
    except LookupError:
        raise not_found("room") from None
    except SyncBusy:
        return _json({"code": 0, "msg": BUSY, "data": []})
    except (WeChatError, SyncAborted) as exc:
        return _json({"code": 0, "msg": describe(exc), "data": []})
    return _json({"code": 1, "msg": "success", "data": room.live_replay})


async def admin_sync(request: web.Request) -> web.Response:
    """POST /api/admin/live/sync: one sync now; 409 while another runs."""
    await require_admin(request)
    live = request.app[LIVE]
    try:
        run = await live.sync_requested()
    except SyncBusy:
        raise conflict("another sync is running", "sync_in_progress") from None
    assert run is not None  # a forced sync always runs
    at = await live.next_run_at()
    return _json({"ok": run.ok, "run": run.as_json(), "next_run_at": iso_ts(at)})


async def admin_replay(request: web.Request) -> web.Response:
    """POST /api/admin/live/rooms/{roomid}/replay: fetch this room's replay now."""
    await require_admin(request)
    roomid = path_int(request, "roomid")
    try:
        room = await request.app[LIVE].replay_requested(roomid)
    except LookupError:
        raise not_found("room") from None
    except SyncBusy:
        raise conflict("a sync is running, try again shortly", "sync_in_progress") from None
    except (QuotaExceeded, SyncAborted) as exc:
        raise ApiError(429, "quota_exhausted", describe(exc)) from None
    except WeChatError as exc:
        raise ApiError(
            502, "wechat_error", describe(exc), errcode=exc.errcode, errmsg=exc.errmsg
        ) from None
    return _json(_room_json(request, room))


async def admin_pin(request: web.Request) -> web.Response:
    """PUT /api/admin/live/rooms/{roomid}/pin {"is_top": 0|1}: pinned rooms list first."""
    await require_admin(request)
    roomid = path_int(request, "roomid")
    value = (await read_json(request)).get("is_top")
    if value not in (0, 1):  # True/False compare equal to 1/0 and are accepted too
        raise bad_request("'is_top' must be 0 or 1")
    room = await store.set_top(request.app[DB], roomid, int(value), request.app[CLOCK].time())
    if room is None:
        raise not_found("room")
    await request.app[LIVE].changed({"event": "pinned", "roomid": roomid, "is_top": room.is_top})
    return _json(_room_json(request, room))


async def admin_status(request: web.Request) -> web.Response:
    """GET /api/admin/live/status: runs, today's quota, the plan, token expiry (never tokens)."""
    await require_admin(request)
    app = request.app
    live = app[LIVE]
    usage = await live.quota.usage()
    runs = await runs_store.last_runs(app[DB], 10)
    last_ok = await runs_store.last_ok_run(app[DB])
    keepers = app.get(TOKEN_KEEPERS) or {}
    quota = usage.as_json()
    quota["resets_at"] = iso_ts(usage.resets_at)
    body = {
        "rooms": await store.count_rooms(app[DB]),
        "sync_enabled": app[SETTINGS].live_sync_enabled,
        "quota": quota,
        "halted_until": iso_ts(usage.resets_at) if usage.halted else None,
        "next_run_at": iso_ts(await live.next_run_at()),
        "last_ok_run": last_ok.as_json() if last_ok else None,
        "runs": [r.as_json() for r in runs],
        "tokens": {kind: keeper.status() for kind, keeper in keepers.items()},
    }
    return _json(body)


def setup_live_routes(app: web.Application) -> None:
    """Register the mini-program, public API and admin live routes."""
    r = app.router
    r.add_get("/live/getRoomList", get_room_list, name="live_room_list")
    r.add_get("/live/syncRoomList", sync_room_list, name="live_sync_room_list")
    r.add_get("/live/syncLiveReplay", sync_live_replay, name="live_sync_replay")
    # egg.js's router is not strict: a trailing slash reaches the same route.
    for path, handler in (
        ("/live/getRoomList/", get_room_list),
        ("/live/syncRoomList/", sync_room_list),
        ("/live/syncLiveReplay/", sync_live_replay),
    ):
        r.add_get(path, handler)
    r.add_get("/api/live/rooms", api_rooms, name="api_live_rooms")
    r.add_get("/api/live/rooms/{roomid}", api_room, name="api_live_room")
    r.add_post("/api/admin/live/sync", admin_sync, name="api_admin_live_sync")
    r.add_post("/api/admin/live/rooms/{roomid}/replay", admin_replay, name="api_admin_live_replay")
    r.add_put("/api/admin/live/rooms/{roomid}/pin", admin_pin, name="api_admin_live_pin")
    r.add_get("/api/admin/live/status", admin_status, name="api_admin_live_status")
