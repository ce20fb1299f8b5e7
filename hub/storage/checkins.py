"""签到 check-ins (`checkin`, `checkin_entry`): one check-in per person, counted in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Database, Executor, IntegrityViolation, Row, placeholders
from hub.storage.helpers import lock_row
from hub.storage.meetings import MeetingEnded, lock_live_meeting_of, refuse_if_ended

_COLUMNS = (
    "c.id, c.meeting_id, c.title, c.secret, c.status, c.checked_in, c.version, c.created_at,"
    " c.closed_at, m.organizer_id,"
    # Who joined, the organizer left out: in the same statement, so a read stays cheap.
    " (SELECT COUNT(*) FROM attendee a WHERE a.meeting_id = c.meeting_id"
    " AND a.user_id <> m.organizer_id) AS joined"
)
_FROM = "FROM checkin c JOIN meeting m ON m.id = c.meeting_id"
# The list a check-in's JSON carries: the latest arrivals (the export has everyone).
LIST_LIMIT = 200


@dataclass(frozen=True)
class Entry:
    """One person checked in, and when."""

    user_id: int
    at: float


@dataclass(frozen=True)
class Checkin:
    """A check-in: its code secret, how many checked in, and how many joined the meeting."""

    id: int
    meeting_id: int
    title: str
    secret: str
    status: str
    checked_in: int
    joined: int
    version: int
    created_at: float
    closed_at: float | None
    organizer_id: int

    @property
    def open(self) -> bool:
        """True until it is closed."""
        return self.status == "open"


class CheckinClosed(Exception):
    """The check-in takes no more arrivals (or was already closed)."""


class AlreadyCheckedIn(Exception):
    """This person checked in before."""


async def create_checkin(db: Database, meeting_id: int, title: str, secret: str, now: float) -> int:
    """Insert an open check-in; returns its id (409 meeting_ended once the meeting ended)."""
    result = await db.execute(
        "INSERT INTO checkin (meeting_id, title, secret, status, checked_in, version, created_at)"
        " SELECT id, ?, ?, 'open', 0, 0, ? FROM meeting WHERE id = ? AND ended_at IS NULL",
        (title, secret, now, meeting_id),
    )
    if result.rowcount == 0:
        raise MeetingEnded
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new check-in's id")
    return int(result.lastrowid)


def _checkin(r: Row) -> Checkin:
    closed = r["closed_at"]
    return Checkin(
        id=int(r["id"]),
        meeting_id=int(r["meeting_id"]),
        title=str(r["title"]),
        secret=str(r["secret"]),
        status=str(r["status"]),
        checked_in=int(r["checked_in"]),
        joined=int(r["joined"]),
        version=int(r["version"]),
        created_at=float(r["created_at"]),
        closed_at=None if closed is None else float(closed),
        organizer_id=int(r["organizer_id"]),
    )


async def get_checkin(ex: Executor, checkin_id: int) -> Checkin | None:
    """The check-in with its counts, or None (one statement)."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} {_FROM} WHERE c.id = ?", (checkin_id,))
    return _checkin(row) if row else None


async def list_checkins(ex: Executor, meeting_id: int) -> list[Checkin]:
    """The meeting's check-ins, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE c.meeting_id = ? ORDER BY c.id", (meeting_id,)
    )
    return [_checkin(r) for r in rows]


async def latest_entries(ex: Executor, checkin_ids: Sequence[int]) -> dict[int, list[Row]]:
    """The latest arrivals of each check-in with their userid and name, newest first."""
    found: dict[int, list[Row]] = {i: [] for i in checkin_ids}
    if not checkin_ids:
        return found
    rows = await ex.fetchall(
        f"SELECT e.checkin_id, e.checked_in_at, u.userid, u.name FROM checkin_entry e"
        f" JOIN app_user u ON u.id = e.user_id"
        f" WHERE e.checkin_id IN ({placeholders(len(checkin_ids))})"
        f" ORDER BY e.checkin_id, e.checked_in_at DESC, e.user_id",
        list(checkin_ids),
    )
    for r in rows:
        bucket = found[int(r["checkin_id"])]
        if len(bucket) < LIST_LIMIT:
            bucket.append(r)
    return found


async def check_in(db: Database, checkin_id: int, user_id: int, now: float) -> None:
    """Record this person's arrival and count it, in one transaction.

    The check-in row is bumped first (its lock orders arrivals, its `status` condition refuses
    one after the close); the primary key refuses a second arrival, rolling the count back.
    """
    try:
        async with db.transaction() as tx:
            bumped = await tx.execute(
                "UPDATE checkin SET checked_in = checked_in + 1, version = version + 1"
                " WHERE id = ? AND status = 'open'",
                (checkin_id,),
            )
            if bumped.rowcount == 0:
                await refuse_if_ended(tx, "checkin", checkin_id)
                raise CheckinClosed
            await lock_live_meeting_of(tx, "checkin", checkin_id)
            await tx.execute(
                "INSERT INTO checkin_entry (checkin_id, user_id, checked_in_at) VALUES (?, ?, ?)",
                (checkin_id, user_id, now),
            )
    except IntegrityViolation:
        raise AlreadyCheckedIn from None


async def checked_in_at(ex: Executor, checkin_ids: Sequence[int], user_id: int) -> dict[int, float]:
    """When this user checked in, by check-in (those they did not are left out)."""
    if not checkin_ids:
        return {}
    rows = await ex.fetchall(
        f"SELECT checkin_id, checked_in_at FROM checkin_entry WHERE user_id = ?"
        f" AND checkin_id IN ({placeholders(len(checkin_ids))})",
        (user_id, *checkin_ids),
    )
    return {int(r["checkin_id"]): float(r["checked_in_at"]) for r in rows}


async def close_checkin(db: Database, checkin_id: int, now: float) -> None:
    """Close an open check-in; CheckinClosed when it already was."""
    result = await db.execute(
        "UPDATE checkin SET status = 'closed', closed_at = ?, version = version + 1"
        " WHERE id = ? AND status = 'open'",
        (now, checkin_id),
    )
    if result.rowcount == 0:
        raise CheckinClosed


async def delete_unused_checkin(tx: Executor, checkin_id: int) -> bool:
    """In the caller's transaction, delete a check-in nobody checked in to; False when someone
    has (nothing changes). The check-in row is locked first, as an arrival's is, so an arrival
    either lands before or finds it gone."""
    if not await lock_row(tx, "checkin", checkin_id):
        return False
    arrived = await tx.fetchval(
        "SELECT 1 FROM checkin_entry WHERE checkin_id = ? LIMIT 1", (checkin_id,)
    )
    if arrived is not None:
        return False
    await tx.execute("DELETE FROM checkin WHERE id = ?", (checkin_id,))
    return True


async def entry_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every arrival at the meeting's check-ins (for the CSV export)."""
    return await ex.fetchall(
        "SELECT e.checkin_id, e.user_id, e.checked_in_at FROM checkin_entry e"
        " JOIN checkin c ON c.id = e.checkin_id WHERE c.meeting_id = ?"
        " ORDER BY e.checkin_id, e.checked_in_at, e.user_id",
        (meeting_id,),
    )
