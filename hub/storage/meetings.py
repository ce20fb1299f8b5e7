"""Meetings and their attendees (`meeting`, `attendee`): numbers, joins, ends, lookups."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.database import Executor, Row
from hub.storage.users import User, user_from_row

NUMBER_SPACE = 100_000
_COLUMNS = "id, number, title, organizer_id, created_at, ended_at"


@dataclass(frozen=True)
class Meeting:
    """A meeting; its 5-digit `number` is reserved only while it is active."""

    id: int
    number: str
    title: str
    organizer_id: int
    created_at: float
    ended_at: float | None

    @property
    def active(self) -> bool:
        """True until the organizer ends it."""
        return self.ended_at is None


def _meeting(row: Row) -> Meeting:
    ended = row["ended_at"]
    return Meeting(
        id=int(row["id"]),
        number=str(row["number"]),
        title=str(row["title"]),
        organizer_id=int(row["organizer_id"]),
        created_at=float(row["created_at"]),
        ended_at=None if ended is None else float(ended),
    )


def format_number(n: int) -> str:
    """The 5-digit, zero-padded form of a number in [0, 100000)."""
    return f"{n:05d}"


async def create_meeting(
    ex: Executor, number: int, title: str, organizer_id: int, now: float
) -> Meeting:
    """Insert an active meeting under `number` with its organizer as first attendee.

    Raises IntegrityViolation when an active meeting already holds the number; pass an open
    transaction so the attendee row goes with the meeting.
    """
    code = format_number(number)
    result = await ex.execute(
        "INSERT INTO meeting (number, active_number, title, organizer_id, created_at, ended_at)"
        " VALUES (?, ?, ?, ?, ?, NULL)",
        (code, number, title, organizer_id, now),
    )
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new meeting's id")
    meeting_id = int(result.lastrowid)
    await ex.execute(
        "INSERT INTO attendee (meeting_id, user_id, joined_at) VALUES (?, ?, ?)",
        (meeting_id, organizer_id, now),
    )
    return Meeting(meeting_id, code, title, organizer_id, now, None)


async def find_free_number(ex: Executor, start: int) -> int | None:
    """The first number not held by an active meeting, from `start` round to 0; None if full.

    Candidates are `start` and each held number plus one: the first free number at or past
    `start` is always among them, so this reads the index instead of 100,000 probes.
    """
    sql = (
        "SELECT MIN(c.n) FROM ("
        " SELECT ? AS n UNION ALL"
        " SELECT active_number + 1 AS n FROM meeting WHERE active_number >= ?"
        ") c WHERE c.n >= ? AND c.n < ?"
        " AND NOT EXISTS (SELECT 1 FROM meeting m WHERE m.active_number = c.n)"
    )
    for origin in (start, 0):
        found = await ex.fetchval(sql, (origin, origin, origin, NUMBER_SPACE))
        if found is not None:
            return int(found)
    return None


async def get_meeting(ex: Executor, meeting_id: int) -> Meeting | None:
    """The meeting with this id, or None."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM meeting WHERE id = ?", (meeting_id,))
    return _meeting(row) if row else None


async def meeting_by_number(ex: Executor, number: str) -> Meeting | None:
    """The active meeting with this number, else the one that ended last with it."""
    row = await ex.fetchone(
        f"SELECT {_COLUMNS} FROM meeting WHERE number = ?"
        " ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, ended_at DESC, id DESC"
        " LIMIT 1",
        (number,),
    )
    return _meeting(row) if row else None


async def end_meeting(ex: Executor, meeting_id: int, now: float) -> bool:
    """End the meeting and free its number; False when it had already ended."""
    result = await ex.execute(
        "UPDATE meeting SET ended_at = ?, active_number = NULL WHERE id = ? AND ended_at IS NULL",
        (now, meeting_id),
    )
    return result.rowcount > 0


async def join_meeting(ex: Executor, meeting_id: int, user_id: int, now: float) -> bool:
    """Add the user as an attendee of the active meeting; True when a row was added.

    The insert reads the meeting in the same statement, so nobody joins a meeting that ended
    between the caller's check and this write.
    """
    verb = "INSERT IGNORE" if ex.dialect == "mysql" else "INSERT OR IGNORE"
    result = await ex.execute(
        f"{verb} INTO attendee (meeting_id, user_id, joined_at)"
        " SELECT id, ?, ? FROM meeting WHERE id = ? AND ended_at IS NULL",
        (user_id, now, meeting_id),
    )
    return result.rowcount > 0


async def is_attendee(ex: Executor, meeting_id: int, user_id: int) -> bool:
    """True when the user joined (or organized) the meeting."""
    found = await ex.fetchval(
        "SELECT 1 FROM attendee WHERE meeting_id = ? AND user_id = ?", (meeting_id, user_id)
    )
    return found is not None


async def list_attendees(ex: Executor, meeting_id: int) -> list[User]:
    """The meeting's attendees in the order they joined."""
    rows = await ex.fetchall(
        "SELECT u.id, u.userid, u.name, u.avatar FROM attendee a"
        " JOIN app_user u ON u.id = a.user_id WHERE a.meeting_id = ?"
        " ORDER BY a.joined_at, u.id",
        (meeting_id,),
    )
    return [user_from_row(r) for r in rows]


async def list_user_meetings(ex: Executor, user_id: int, limit: int = 100) -> list[Meeting]:
    """Meetings the user attends or attended, newest first."""
    rows = await ex.fetchall(
        "SELECT m.id, m.number, m.title, m.organizer_id, m.created_at, m.ended_at"
        " FROM attendee a JOIN meeting m ON m.id = a.meeting_id WHERE a.user_id = ?"
        " ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
        (user_id, limit),
    )
    return [_meeting(r) for r in rows]
