"""Live rooms: deterministic generation, defaults for partial rooms, rendering and replays."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

LIVE_STATUSES = (101, 102, 103, 104, 105, 106, 107)
IMAGE_FIELDS = ("cover_img", "share_img", "feeds_img")
ROOM_INT_FIELDS = (
    "roomid", "live_status", "start_time", "end_time", "live_type", "close_like", "close_goods",
    "close_comment", "close_kf", "close_replay", "is_feeds_public",
)  # fmt: skip
GOODS_INT_FIELDS = ("price", "price2", "price_type", "goods_id")

_TOPICS = (
    "春季新品发布会", "好物分享直播间", "周末特惠专场", "茶叶品鉴会", "手工皮具工作坊",
    "家居好物推荐", "美妆护肤课堂", "户外装备开箱", "母婴用品专场", "数码新品首发",
    "年货节直播", "读书分享会", "咖啡烘焙教学", "宠物用品团购", "健身餐制作",
)  # fmt: skip
_PREFIXES = ("", "【限时】", "【福利】", "【新品】", "【专场】")
_ANCHORS = (
    "王小美", "李晓峰", "张静", "刘洋", "陈思远", "杨帆", "赵雪", "黄磊", "周婷", "吴昊",
    "徐丽", "孙浩然", "马琳", "朱晨", "胡斌",
)  # fmt: skip
_GOODS = (
    "明前龙井 250g", "真皮钱包", "香薰蜡烛礼盒", "保湿精华液", "速干登山裤", "有机婴儿米粉",
    "无线降噪耳机", "手冲咖啡套装", "猫抓板", "全麦吐司", "羊毛围巾", "陶瓷茶具六件套",
    "蓝牙音箱", "坚果礼盒", "瑜伽垫",
)  # fmt: skip
_OPENID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


class RoomSpecError(ValueError):
    """A room given to /_sim/rooms that cannot be accepted."""


def _image(kind: str, key: int) -> str:
    # Stored relative; rendered against the request's origin, so images work offline.
    return f"/_sim/img/{kind}/{key}.svg"


def _times(rng: random.Random, status: int, now: int) -> tuple[int, int]:
    hour = 3600
    if status in (101, 105, 106):  # on air (or paused/abnormal) right now
        start = now - rng.randint(5, 120) * 60
        return start, now + rng.randint(1, 3) * hour
    if status == 102:
        start = now + rng.randint(1, 7 * 24) * hour
        return start, start + rng.randint(1, 4) * hour
    start = now - rng.randint(3, 30 * 24) * hour  # 103, 104 and 107 lie in the past
    return start, min(start + rng.randint(1, 3) * hour, now - 60)


def _goods(rng: random.Random, goods_id: int) -> dict[str, Any]:
    price_type = rng.choice((1, 1, 2, 3))
    price = rng.randint(99, 99_900) // 10 * 10
    price2 = 0
    if price_type == 2:  # a range [price, price2]
        price2 = price + rng.randint(1, 500) * 100
    elif price_type == 3:  # original price, then the discounted one
        price2 = price * rng.randint(5, 9) // 10
    return {
        "cover_img": _image("goods", goods_id),
        "url": f"pages/goods/detail?id={goods_id}",
        "name": rng.choice(_GOODS),
        "price": price,
        "price2": price2,
        "price_type": price_type,
        "goods_id": goods_id,
        "third_party_appid": "",
    }


def generate_rooms(count: int, seed: int | None, now: float) -> list[dict[str, Any]]:
    """Return count realistic rooms; the same seed gives the same rooms relative to now."""
    rng = random.Random(seed)
    # The first seven cover every live_status; the rest lean towards ended rooms, as real
    # accounts do.
    statuses = list(LIVE_STATUSES) + rng.choices(
        LIVE_STATUSES, weights=(2, 2, 6, 1, 1, 1, 1), k=max(0, count - 7)
    )
    statuses = statuses[:count]
    rng.shuffle(statuses)
    roomid = rng.randint(1, 40)
    goods_id = 100 + rng.randint(0, 99)
    rooms = []
    for status in statuses:
        roomid += rng.randint(1, 4)
        start, end = _times(rng, status, int(now) // 60 * 60)
        goods = []
        for _ in range(rng.randint(0, 5)):
            goods_id += rng.randint(1, 3)
            goods.append(_goods(rng, goods_id))
        room = default_room(roomid, now)
        room.update(
            name=rng.choice(_PREFIXES) + rng.choice(_TOPICS),
            live_status=status,
            start_time=start,
            end_time=end,
            anchor_name=rng.choice(_ANCHORS),
            close_replay=1 if rng.random() < 0.1 else 0,
            creater_openid="o" + "".join(rng.choices(_OPENID_CHARS, k=27)),
            goods=goods,
        )
        rooms.append(room)
    ended = [room for room in rooms if room["live_status"] == 103]
    if ended and all(room["close_replay"] for room in ended):
        ended[0]["close_replay"] = 0  # so every generated account has a replay to show
    return rooms


def default_room(roomid: int, now: float) -> dict[str, Any]:
    """Return a complete room with plausible values for every field."""
    start = int(now) // 60 * 60 + 3600
    return {
        "name": f"直播间 {roomid}",
        "roomid": roomid,
        "cover_img": _image("cover", roomid),
        "share_img": _image("share", roomid),
        "live_status": 102,
        "start_time": start,
        "end_time": start + 7200,
        "anchor_name": "主播",
        "live_type": 0,
        "close_like": 0,
        "close_goods": 0,
        "close_comment": 0,
        "close_kf": 1,
        "close_replay": 0,
        "is_feeds_public": 1,
        "creater_openid": f"o{roomid:027d}",
        "feeds_img": _image("feeds", roomid),
        "goods": [],
    }


def _check_ints(item: dict[str, Any], fields: tuple[str, ...], what: str) -> None:
    for key in fields:
        value = item.get(key)
        if key in item and (isinstance(value, bool) or not isinstance(value, int)):
            raise RoomSpecError(f"{what}.{key} must be an integer")


def complete_room(
    spec: Any, roomid: int, now: float, base: dict[str, Any] | None
) -> dict[str, Any]:
    """Merge a partial room over base (or over defaults) and validate the result."""
    if not isinstance(spec, dict):
        raise RoomSpecError("each room must be an object")
    _check_ints(spec, ROOM_INT_FIELDS, "room")
    room = dict(base) if base is not None else default_room(roomid, now)
    room.update(spec)
    room["roomid"] = roomid
    if room["live_status"] not in LIVE_STATUSES:
        raise RoomSpecError("room.live_status must be one of 101..107")
    for key in ("name", "anchor_name", "creater_openid", *IMAGE_FIELDS):
        if not isinstance(room[key], str):
            raise RoomSpecError(f"room.{key} must be a string")
    if not isinstance(room["goods"], list):
        raise RoomSpecError("room.goods must be a list")
    room["goods"] = [_complete_goods(g, roomid * 100 + i) for i, g in enumerate(room["goods"])]
    return room


def _complete_goods(spec: Any, goods_id: int) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise RoomSpecError("each goods item must be an object")
    _check_ints(spec, GOODS_INT_FIELDS, "goods")
    goods_id = spec.get("goods_id", goods_id)
    goods = {
        "cover_img": _image("goods", goods_id),
        "url": f"pages/goods/detail?id={goods_id}",
        "name": f"商品 {goods_id}",
        "price": 1000,
        "price2": 0,
        "price_type": 1,
        "goods_id": goods_id,
        "third_party_appid": "",
    }
    goods.update(spec)
    if goods["price_type"] not in (1, 2, 3):
        raise RoomSpecError("goods.price_type must be 1, 2 or 3")
    return goods


def render_room(room: dict[str, Any], origin: str) -> dict[str, Any]:
    """Return room as WeChat sends it, with simulator image paths made absolute."""
    out = {k: _absolute(v, origin) if k in IMAGE_FIELDS else v for k, v in room.items()}
    out["goods"] = [
        {k: _absolute(v, origin) if k == "cover_img" else v for k, v in g.items()}
        for g in room["goods"]
    ]
    return out


def _absolute(value: Any, origin: str) -> Any:
    return origin + value if isinstance(value, str) and value.startswith("/") else value


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def replay_segments(
    room: dict[str, Any], now: float, delay: int, ttl: int, origin: str
) -> list[dict[str, str]]:
    """Return the replay segments of room as seen at now (empty until they are ready)."""
    if room["live_status"] != 103 or room["close_replay"] != 0:
        return []
    ready = room["end_time"] + delay
    if now < ready:
        return []
    # A long live is cut into segments of up to two hours, as WeChat does for long streams.
    count = max(1, min(4, (room["end_time"] - room["start_time"] + 7199) // 7200))
    # Each ttl-long period since the replay appeared carries a fresh URL, so a client that
    # refetches after expire_time gets a new, working one.
    generation = int((now - ready) // ttl)
    expires = ready + (generation + 1) * ttl
    roomid = room["roomid"]
    return [
        {
            "expire_time": _iso(expires),
            "create_time": _iso(ready + i),
            "media_url": f"{origin}/_sim/media/{roomid}/{i}.webm?g={generation}&e={int(expires)}",
        }
        for i in range(count)
    ]
