"""The live-room mirror (`live_room`): typed rows and their SQL (diff, batched writes, pages)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.clock import BEIJING
from hub.storage.database import Executor, Row, placeholders
from hub.storage.helpers import chunks, upsert_many

log = logging.getLogger(__name__)

# Columns WeChat owns: a sync overwrites them. is_top and the replay columns are ours.
SYNCED_INT = (
    "live_status", "start_time", "end_time", "live_type", "close_like", "close_goods",
    "close_comment", "close_kf", "close_replay", "is_feeds_public",
)  # fmt: skip
SYNCED_STR = (
    "name", "cover_img", "share_img", "feeds_img", "anchor_name", "anchor_img", "creater_openid",
)  # fmt: skip
SYNCED = (*SYNCED_STR, *SYNCED_INT, "goods")
ROOM_COLUMNS = ("id", "roomid", *SYNCED, "is_top", "live_replay", "replay_checked_at",
                "replay_next_check_at", "replay_attempts", "replay_expires_at",
                "created_at", "updated_at")  # fmt: skip
ENDED = 103
UPSERT_BATCH = 500
DELETE_BATCH = 500
REPLAY_BATCH = 100
# Segments are stored as canonical JSON: none is exactly '[]'.
HAS_REPLAY = "live_replay <> '[]'"


def dump_json(value: Any) -> str:
    """Canonical JSON text, so equal content always compares equal with what is stored."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def egg_time(ts: float) -> str:
    """A time as the egg.js service printed Sequelize's: `YYYY-MM-DD HH:MM:SS` in Beijing time."""
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _load_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def row_from_wechat(info: Mapping[str, Any]) -> dict[str, Any] | None:
    """A `live_room` row (roomid + synced columns) from one getliveinfo room, None if unusable."""
    roomid = info.get("roomid")
    if isinstance(roomid, bool) or not isinstance(roomid, int) or roomid <= 0:
        return None
    row: dict[str, Any] = {"roomid": roomid}
    for col in SYNCED_STR:
        value = info.get(col)
        row[col] = value if isinstance(value, str) else ""
    for col in SYNCED_INT:
        row[col] = _int(info.get(col, 0))
    goods = info.get("goods")
    row["goods"] = dump_json(goods if isinstance(goods, list) else [])
    row["synced_hash"] = synced_hash(row)
    return row


def _fingerprint(row: Mapping[str, Any]) -> list[Any]:
    return [
        *(str(row[c] or "") for c in SYNCED_STR),
        *(_int(row[c]) for c in SYNCED_INT),
        row["goods"] or "[]",
    ]


def synced_hash(row: Mapping[str, Any]) -> str:
    """A digest of the synced columns, the same for a listing's row and the stored one."""
    return hashlib.blake2b(dump_json(_fingerprint(row)).encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class LiveRoom:
    """One mirrored room, with its pin and its replay segments.

    `id` is the row's own id (egg.js clients may key on it); `created_at` is when the mirror first
    held the room, `updated_at` its last change (a sync, a pin, new replay segments).
    """

    id: int
    roomid: int
    name: str
    cover_img: str
    share_img: str
    feeds_img: str
    live_status: int
    start_time: int
    end_time: int
    anchor_name: str
    anchor_img: str
    live_type: int
    close_like: int
    close_goods: int
    close_comment: int
    close_kf: int
    close_replay: int
    is_feeds_public: int
    creater_openid: str
    goods: list[dict[str, Any]]
    is_top: int
    live_replay: list[dict[str, Any]]
    replay_checked_at: float | None
    replay_next_check_at: float | None
    replay_attempts: int
    replay_expires_at: float | None
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row: Row) -> LiveRoom:
        """Build from a SELECT of ROOM_COLUMNS."""
        values: dict[str, Any] = {c: str(row[c] or "") for c in SYNCED_STR}
        values.update({c: _int(row[c]) for c in SYNCED_INT})

        def opt(col: str) -> float | None:
            return None if row[col] is None else float(row[col])

        updated = float(row["updated_at"] or 0)
        return cls(
            id=_int(row["id"]),
            roomid=int(row["roomid"]),
            goods=_load_list(row["goods"]),
            is_top=_int(row["is_top"]),
            live_replay=_load_list(row["live_replay"]),
            replay_checked_at=opt("replay_checked_at"),
            replay_next_check_at=opt("replay_next_check_at"),
            replay_attempts=_int(row["replay_attempts"]),
            replay_expires_at=opt("replay_expires_at"),
            # 0: a row a previous release inserted during a rolling upgrade.
            created_at=float(row["created_at"] or 0) or updated,
            updated_at=updated,
            **values,
        )

    def as_json(self, default_anchor_img: str) -> dict[str, Any]:
        """The room as the mini-program reads it: egg.js's fields in egg.js's order and formats
        (WeChat's unix-second times, Sequelize's Beijing-time stamps), then WeChat's others."""
        return {
            "id": self.id,
            "roomid": self.roomid,
            "name": self.name,
            "cover_img": self.cover_img,
            "live_status": self.live_status,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "anchor_name": self.anchor_name,
            "anchor_img": self.anchor_img or default_anchor_img,
            "goods": self.goods,
            "live_replay": self.live_replay,
            "is_top": self.is_top,
            "createdAt": egg_time(self.created_at),
            "updatedAt": egg_time(self.updated_at),
            "share_img": self.share_img,
            "feeds_img": self.feeds_img,
            "live_type": self.live_type,
            "close_like": self.close_like,
            "close_goods": self.close_goods,
            "close_comment": self.close_comment,
            "close_kf": self.close_kf,
            "close_replay": self.close_replay,
            "is_feeds_public": self.is_feeds_public,
        }


@dataclass(frozen=True)
class ListingChanges:
    """What a complete listing changes in the mirror; `new` holds the roomids it adds, `rehash`
    (hash, roomid) of unchanged rows stored before their digest was (migration 0016)."""

    upsert: list[dict[str, Any]]
    delete: list[int]
    new: frozenset[int] = frozenset()
    rehash: list[tuple[str, int]] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        """Whether applying these changes writes anything at all."""
        return bool(self.upsert or self.delete or self.rehash)


async def diff_listing(ex: Executor, rows: Sequence[Mapping[str, Any]]) -> ListingChanges:
    """Compare a complete listing (rows of row_from_wechat) with the mirror: no writes.

    Reads each room's digest only; a row without one is read in full and compared once.
    """
    current: dict[int, str | None] = {
        int(r["roomid"]): r["synced_hash"]
        for r in await ex.fetchall("SELECT roomid, synced_hash FROM live_room")
    }
    unhashed = [roomid for roomid, digest in current.items() if digest is None]
    cols = ", ".join(("roomid", *SYNCED))
    for part in chunks(unhashed, DELETE_BATCH):
        sql = f"SELECT {cols} FROM live_room WHERE roomid IN ({placeholders(len(part))})"
        for r in await ex.fetchall(sql, part):
            current[int(r["roomid"])] = synced_hash(r)
    upsert = [dict(r) for r in rows if current.get(r["roomid"]) != r["synced_hash"]]
    listed = {r["roomid"] for r in rows}
    new = frozenset(r["roomid"] for r in upsert if r["roomid"] not in current)
    upserted = {r["roomid"] for r in upsert}
    rehash = [(str(current[i]), i) for i in unhashed if i in listed and i not in upserted]
    return ListingChanges(upsert, sorted(set(current) - listed), new, rehash)


async def apply_listing(ex: Executor, changes: ListingChanges, now: float) -> None:
    """Write a diff in batches (call inside one transaction): multi-row upserts, IN deletes.

    New rooms get `created_at`; changed ones keep theirs (an upsert rewrites every column it
    names, so the two go in separate statements)."""
    added = [
        {**r, "updated_at": now, "created_at": now}
        for r in changes.upsert
        if r["roomid"] in changes.new
    ]
    changed = [{**r, "updated_at": now} for r in changes.upsert if r["roomid"] not in changes.new]
    for rows in (added, changed):
        await upsert_many(ex, "live_room", rows, ["roomid"], batch=UPSERT_BATCH)
    for part in chunks(changes.delete, DELETE_BATCH):
        await ex.execute(f"DELETE FROM live_room WHERE roomid IN ({placeholders(len(part))})", part)
    if changes.rehash:
        await ex.executemany(
            "UPDATE live_room SET synced_hash = ? WHERE roomid = ?", changes.rehash
        )


@dataclass(frozen=True)
class RoomQuery:
    """Which rooms a list shows: a search in name and anchor, statuses, a page.

    With neither statuses nor `replay`, every status; `replay` adds the rooms that have replay
    segments (whatever their status).
    """

    offset: int
    limit: int
    statuses: tuple[int, ...] = ()
    search: str = ""
    replay: bool = False


@dataclass(frozen=True)
class RoomPage:
    """One page of rooms, how many match, and how many the search finds per status and with
    replay segments."""

    total: int
    rooms: list[LiveRoom]
    counts: dict[int, int]
    with_replay: int = 0


def _like(text: str) -> str:
    # '!' escapes LIKE's wildcards the same way on SQLite and MariaDB ('\\' differs).
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _search_filter(search: str) -> tuple[list[str], list[Any]]:
    if not search:
        return [], []
    pattern = _like(search)
    return ["(name LIKE ? ESCAPE '!' OR anchor_name LIKE ? ESCAPE '!')"], [pattern, pattern]


def _where(clauses: Sequence[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


async def find_rooms(ex: Executor, query: RoomQuery) -> RoomPage:
    """One page of rooms, pinned first then newest first, with the counts per status.

    One GROUP BY gives both the counts (over the search alone, so a status filter can show
    what the others hold) and the total of the statuses asked for.
    """
    clauses, params = _search_filter(query.search)
    grouped = await ex.fetchall(
        "SELECT live_status, COUNT(*) AS n,"
        f" SUM(CASE WHEN {HAS_REPLAY} THEN 1 ELSE 0 END) AS r"
        f" FROM live_room{_where(clauses)} GROUP BY live_status",
        params,
    )
    counts = {int(r["live_status"]): _int(r["n"]) for r in grouped}
    replays = {int(r["live_status"]): _int(r["r"]) for r in grouped}
    if not query.statuses and not query.replay:
        total = sum(counts.values())
    else:
        # A room counts once: by its status when asked for, else by its replay.
        total = sum(
            counts[s] if s in query.statuses else replays[s] if query.replay else 0 for s in counts
        )
        picked = []
        if query.statuses:
            picked.append(f"live_status IN ({placeholders(len(query.statuses))})")
            params = [*params, *query.statuses]
        if query.replay:
            picked.append(HAS_REPLAY)
        clauses = [*clauses, f"({' OR '.join(picked)})"]
    rows: list[Row] = []
    if total > query.offset:
        rows = await ex.fetchall(
            f"SELECT {', '.join(ROOM_COLUMNS)} FROM live_room{_where(clauses)} "
            "ORDER BY is_top DESC, start_time DESC, roomid DESC LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        )
    return RoomPage(total, [LiveRoom.from_row(r) for r in rows], counts, sum(replays.values()))


async def list_rooms(
    ex: Executor, offset: int, limit: int, statuses: Sequence[int] = ()
) -> tuple[int, list[LiveRoom]]:
    """One page of rooms, pinned first then newest first, and the total matching."""
    found = await find_rooms(ex, RoomQuery(offset, limit, tuple(statuses)))
    return found.total, found.rooms


async def get_room(ex: Executor, roomid: int) -> LiveRoom | None:
    """One room by id."""
    row = await ex.fetchone(
        f"SELECT {', '.join(ROOM_COLUMNS)} FROM live_room WHERE roomid = ?", [roomid]
    )
    return LiveRoom.from_row(row) if row else None


async def count_rooms(ex: Executor) -> int:
    """How many rooms the mirror holds."""
    return _int(await ex.fetchval("SELECT COUNT(*) FROM live_room"))


async def set_top(ex: Executor, roomid: int, is_top: int, now: float) -> LiveRoom | None:
    """Pin (1) or unpin (0) a room (a change moves its `updated_at`); None when not mirrored."""
    await ex.execute(
        "UPDATE live_room SET is_top = ?, updated_at = ? WHERE roomid = ? AND is_top <> ?",
        [is_top, now, roomid, is_top],
    )
    return await get_room(ex, roomid)


async def due_replays(
    ex: Executor, now: float, ready_delay: float, limit: int
) -> list[tuple[int, int, str]]:
    """(roomid, attempts, stored segments as JSON text) of ended rooms whose replay is missing
    or expired and due a check.

    A room never checked is due `ready_delay` after its end (WeChat needs that long), or at once
    when it ended earlier than its scheduled end_time.
    """
    if limit <= 0:
        return []
    rows = await ex.fetchall(
        "SELECT roomid, replay_attempts, live_replay FROM live_room"
        " WHERE live_status = ? AND close_replay = 0 AND ("
        " replay_next_check_at <= ?"
        " OR (replay_next_check_at IS NULL AND (end_time <= ? OR end_time > ?)))"
        " ORDER BY COALESCE(replay_next_check_at, 0), end_time DESC, roomid LIMIT ?",
        [ENDED, now, now - ready_delay, now, limit],
    )
    return [
        (int(r["roomid"]), _int(r["replay_attempts"]), str(r["live_replay"] or "[]")) for r in rows
    ]


@dataclass(frozen=True)
class ReplayCheck:
    """The outcome of one replay request, as stored on the room."""

    roomid: int
    live_replay: str | None  # None keeps the stored segments (a failed check)
    checked_at: float
    next_check_at: float | None
    attempts: int
    expires_at: float | None


async def save_replays(ex: Executor, checks: Iterable[ReplayCheck]) -> int:
    """Store replay outcomes with one CASE UPDATE per batch; returns statements run.

    New segments move the room's `updated_at` to the check's time. That assignment comes first:
    MySQL evaluates SET left to right, so it still compares with the stored segments.
    """
    items = list(checks)
    statements = 0
    for part in chunks(items, REPLAY_BATCH):
        moved = (
            "WHEN ? THEN CASE WHEN COALESCE(?, live_replay) <> live_replay"
            " THEN ? ELSE updated_at END"
        )
        sets = [f"updated_at = CASE roomid {' '.join([moved] * len(part))} END"]
        params: list[Any] = []
        for check in part:
            params += [check.roomid, check.live_replay, check.checked_at]
        for col, attr in (
            ("live_replay", "live_replay"),
            ("replay_checked_at", "checked_at"),
            ("replay_next_check_at", "next_check_at"),
            ("replay_attempts", "attempts"),
            ("replay_expires_at", "expires_at"),
        ):
            then = "COALESCE(?, live_replay)" if col == "live_replay" else "?"
            whens = " ".join([f"WHEN ? THEN {then}"] * len(part))
            sets.append(f"{col} = CASE roomid {whens} END")
            for check in part:
                params += [check.roomid, getattr(check, attr)]
        ids = [c.roomid for c in part]
        sql = f"UPDATE live_room SET {', '.join(sets)} WHERE roomid IN ({placeholders(len(ids))})"
        await ex.execute(sql, [*params, *ids])
        statements += 1
    return statements
