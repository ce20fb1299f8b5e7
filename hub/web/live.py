"""Live-room routes: the mini-program's /live/* (egg.js compatible), /api/live/*, admin ones."""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from typing import Any

from aiohttp import web

from hub.cache import CacheUnavailable
from hub.clock import iso_ts
from hub.errors import bad_request, conflict, not_found
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.live.common import SyncAborted, SyncBusy, describe
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
STATUSES = frozenset(range(101, 108))
PAGE_CACHE_TTL = 300.0
# Versioned: during a rolling upgrade, processes that shape rooms differently share the cache.
PAGE_KEY = "live:page:v2"
# While the shared cache is down, pages read from storage are kept here this long, per process.
FALLBACK_TTL = 3.0
FALLBACK_PAGES = 256
SYNC_OK = "同步直播间列表成功"
SYNC_FAILED = "同步直播间列表失败"
BUSY = "errcode=-1, errmsg=another sync is running, try again shortly"


def _json(body: Any, status: int = 200) -> web.Response:
    # Chinese names stay readable on the wire, as the egg.js service sent them.
    return web.json_response(body, status=status, dumps=_dumps)


def _dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def _statuses(request: web.Request, name: str) -> tuple[int, ...]:
    raw = request.query.get(name, "").strip()
    if not raw:
        return ()
    found: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if whole_number(part) not in STATUSES:  # ASCII digits only: int("²") would raise
            raise bad_request(f"query parameter '{name}' must list live statuses 101..107")
        found.add(int(part))
    return tuple(sorted(found))


Page = tuple[int, list[dict[str, Any]]]


class FallbackPages:
    """Room pages this process keeps for a few seconds while the shared cache is down.

    The rooms are all in storage, so a cache outage costs speed, not answers (ops F3): each page
    is read from storage at most once per `ttl` per process meanwhile.
    """

    def __init__(self, ttl: float = FALLBACK_TTL, size: int = FALLBACK_PAGES) -> None:
        self.ttl = ttl
        self.size = size
        self.degraded = False
        self._pages: OrderedDict[str, tuple[float, Page]] = OrderedDict()

    def get(self, key: str) -> Page | None:
        """A page read less than `ttl` seconds ago, else None."""
        found = self._pages.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: str, page: Page) -> None:
        """Keep a page; the oldest go past `size`."""
        self._pages[key] = (time.monotonic() + self.ttl, page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)

    def cache_down(self, exc: Exception) -> None:
        """Say once per outage that pages come from storage."""
        if not self.degraded:
            self.degraded = True
            log.warning("room pages are read from storage while the cache is down: %s", exc)

    def cache_up(self) -> bool:
        """True once when the cache answers again after an outage."""
        if not self.degraded:
            return False
        self.degraded = False
        self._pages.clear()
        log.info("room pages are cached again")
        return True


FALLBACK = web.AppKey("live_fallback_pages", FallbackPages)


async def _read_page(app: web.Application, page: int, size: int, statuses: tuple[int, ...]) -> Page:
    total, found = await store.list_rooms(app[DB], (page - 1) * size, size, statuses)
    anchor = app[SETTINGS].default_anchor_img
    return total, [room.as_json(anchor) for room in found]


async def _page(request: web.Request, page: int, size: int, statuses: tuple[int, ...]) -> Page:
    """One page of rooms as JSON, cached until the next commit bumps the generation; read from
    storage (and kept a few seconds in this process) while the cache is down."""
    app = request.app
    cache, fallback = app[CACHE], app[FALLBACK]
    shape = f"{','.join(map(str, statuses))}:{page}:{size}"
    try:
        generation = await app[LIVE].generation()
        if fallback.cache_up():
            # A pin made during the outage could not move the generation: move it now, so no
            # page cached before the outage outlives it.
            await app[LIVE].bump()
            generation = await app[LIVE].generation()
        key = f"{PAGE_KEY}:{generation}:{shape}"
        cached = await cache.get(key)
    except CacheUnavailable as exc:
        fallback.cache_down(exc)
        kept = fallback.get(shape)
        if kept is None:
            kept = await _read_page(app, page, size, statuses)
            fallback.put(shape, kept)
        return kept
    if cached is not None:
        total, rooms = json.loads(cached)
        return int(total), list(rooms)
    total, rooms = await _read_page(app, page, size, statuses)
    try:
        await cache.set(key, json.dumps([total, rooms], ensure_ascii=False), ttl=PAGE_CACHE_TTL)
    except CacheUnavailable as exc:
        fallback.cache_down(exc)
    return total, rooms


async def get_room_list(request: web.Request) -> web.Response:
    """GET /live/getRoomList?pageNum=&pageSize=[&live_status=101,102] (the mini-program's)."""
    page = query_int(request, "pageNum", default=1, lo=1, hi=MAX_PAGE)
    size = query_int(request, "pageSize", default=10, lo=1, hi=MAX_PAGE_SIZE)
    total, rooms = await _page(request, page, size, _statuses(request, "live_status"))
    return _json({"total_count": total, "page_size": size, "cur_page": page, "data": rooms})


async def api_rooms(request: web.Request) -> web.Response:
    """GET /api/live/rooms?page=&page_size=&status=101,102."""
    page = query_int(request, "page", default=1, lo=1, hi=MAX_PAGE)
    size = query_int(request, "page_size", default=20, lo=1, hi=MAX_PAGE_SIZE)
    total, rooms = await _page(request, page, size, _statuses(request, "status"))
    return _json({"total": total, "page": page, "page_size": size, "rooms": rooms})


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
    app[FALLBACK] = FallbackPages()
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
