"""What the live-room pages render: the home page's first rooms and filters, and one room."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from yarl import URL

from hub.clock import BEIJING
from hub.keys import DB, SETTINGS
from hub.live.pages import ROOM_PAGES, ListRequest
from hub.storage import rooms as store
from hub.web.live import MAX_PAGE, MAX_SEARCH

HOME_PAGE_SIZE = 20
# The filters the home page offers, in order; "" is every room.
HOME_FILTERS = ("", "101", "102", "103", "replay", "105", "106", "104", "107")
# WeChat's live player plug-in: the page a mini-program opens to show a room.
PLAYER_PATH = "plugin-private://wx2b03c6e691cd7370/pages/live-player-plugin?room_id={roomid}"


def beijing_time(ts: Any) -> str:
    """Unix seconds as `YYYY-MM-DD HH:MM` in Beijing time ("—" for none)."""
    if not isinstance(ts, int | float) or isinstance(ts, bool) or ts <= 0:
        return "—"
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M")


def room_card(room: dict[str, Any]) -> dict[str, Any]:
    """A room as its card shows it: the JSON plus its times in Beijing time and a link."""
    return {
        **room,
        "start_text": beijing_time(room.get("start_time")),
        "end_text": beijing_time(room.get("end_time")),
        "replays": len(room.get("live_replay") or []),
        "url": f"/live/rooms/{room['roomid']}",
    }


def _page_number(raw: str) -> int:
    # A page is a link people share and edit: a bad number shows the first page, not a 400.
    return min(int(raw), MAX_PAGE) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1


def home_filter(request: web.Request) -> tuple[str, str]:
    """(search text, status filter) from the home page's URL, with anything unknown dropped."""
    search = " ".join(request.query.get("q", "").split())[:MAX_SEARCH].replace("\x00", "")
    status = request.query.get("status", "")
    return search, status if status in HOME_FILTERS else ""


def home_url(search: str, status: str, page: int) -> str:
    """The home page's URL for a view: only what differs from the default is in it."""
    query = {k: v for k, v in (("q", search), ("status", status)) if v}
    if page > 1:
        query["page"] = str(page)
    return str(URL("/").with_query(query))


async def home_rooms(request: web.Request) -> dict[str, Any]:
    """The home page's view from its URL: the first rooms, counts, the page, the links."""
    search, status = home_filter(request)
    page = _page_number(request.query.get("page", "1"))
    statuses = (int(status),) if status.isascii() and status.isdigit() else ()
    want = ListRequest("api", page, HOME_PAGE_SIZE, statuses, search, status == "replay")
    listing = (await request.app[ROOM_PAGES].answer(want)).parsed()
    total = int(listing["total"])
    pages = max(1, -(-total // HOME_PAGE_SIZE))
    counts = listing["counts"]
    everything = sum(n for key, n in counts.items() if key != "replay")
    filters = [
        {
            "value": value,
            "count": counts.get(value, 0) if value else everything,
            "url": home_url(search, value, 1),
            "active": value == status,
        }
        for value in HOME_FILTERS
    ]
    return {
        "listing": listing,
        "cards": [room_card(r) for r in listing["rooms"]],
        "view": {"q": search, "status": status, "page": page, "pages": pages},
        "filters": filters,
        "shown_from": min(total, (page - 1) * HOME_PAGE_SIZE + 1),
        "shown_to": min(total, page * HOME_PAGE_SIZE),
        "prev_url": home_url(search, status, page - 1) if page > 1 else None,
        "next_url": home_url(search, status, page + 1) if page < pages else None,
    }


def price_text(goods: dict[str, Any]) -> str:
    """A goods item's price in 元 as WeChat types it: one price, a range, or a discount."""

    def yuan(cents: Any) -> str:
        return f"¥{(cents if isinstance(cents, int) else 0) / 100:.2f}"

    kind, price, price2 = goods.get("price_type", 1), goods.get("price"), goods.get("price2")
    if kind == 2:
        return f"{yuan(price)} – {yuan(price2)}"
    if kind == 3:
        return f"{yuan(price2)} ({yuan(price)})"
    return yuan(price)


def _playable(url: Any) -> bool:
    # Only web links from WeChat's data reach a src attribute (never javascript: or data:).
    return isinstance(url, str) and url.startswith(("https://", "http://"))


async def room_page_context(request: web.Request) -> dict[str, Any] | None:
    """One room as its page shows it, or None when the mirror does not hold it."""
    raw = request.match_info["roomid"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 15:
        return None
    room = await store.get_room(request.app[DB], int(raw))
    if room is None:
        return None
    body = room_card(room.as_json(request.app[SETTINGS].default_anchor_img))
    goods = [{**g, "price_text": price_text(g)} for g in room.goods if isinstance(g, dict)]
    replays = [s for s in room.live_replay if isinstance(s, dict) and _playable(s.get("media_url"))]
    return {
        "room": body,
        "goods": goods,
        "replays": replays,
        "player_path": PLAYER_PATH.format(roomid=room.roomid),
        "live_room": {"roomid": room.roomid, "is_top": room.is_top},
    }
