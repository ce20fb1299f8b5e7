"""Meetings and their attendees (`meeting`, `attendee`): numbers, joins, ends, lookups.

Lock order (F7, "the end is final"): every write that belongs to a live meeting reads the
meeting row inside its own transaction and refuses an ended one (`LIVE_MEETING`, or
`lock_live_meeting`). On MariaDB that read is a locking read of the meeting row (a shared lock:
writers of one meeting do not wait for each other), and `end_meeting_locked` takes the same row
exclusively, so the end waits for writes in flight and writes after it see it ended.

An action on an activity (a vote, a claim, an answer) bumps the activity's row first, then
locks the meeting row by its primary key (`lock_live_meeting_of`). It once put the live check
inside the bump, as a subquery on the meeting: MariaDB ran it over the `meeting_idle` index,
whose records the end's row lock does not cover (and those of every live meeting), so a vote
sent while the end held the row did not wait and was stored with a time after `ended_at`.

A write locks its own rows (poll, red packet, chat counter), then the meeting row; the end
locks the meeting row only, so no two transactions wait on each other in a cycle. On SQLite
every write transaction holds the database's write lock (BEGIN IMMEDIATE), which orders them
the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.errors import Conflict
from hub.storage.database import Database, Executor, Row
from hub.storage.users import User, user_from_row

NUMBER_SPACE = 100_000
_COLUMNS = (
    "id, number, title, organizer_id, created_at, ended_at, passcode, access, last_activity_at"
)
ACCESS_MODES = ("open", "department", "invited")
# A condition for a write's statement: the meeting (bound to `?`) is still live. Inside an
# INSERT ... SELECT or an UPDATE, InnoDB reads the meeting row by its key with a shared lock
# (tests/test_security_meetings_end_race.py holds the end open to check each write).
LIVE_MEETING = "EXISTS (SELECT 1 FROM meeting WHERE id = ? AND ended_at IS NULL)"
_ACTIVITY_TABLES = (
    "poll",
    "rating",
    "red_packet",
    "lottery",
    "question",
    "wordcloud",
    "checkin",
    "quiz",
)


async def lock_live_meeting_of(tx: Executor, table: str, row_id: int) -> None:
    """Right after a write bumped its activity row (`table`, `row_id`): MeetingEnded, rolling
    the write back, unless the row's meeting is live. On MariaDB the meeting row is read by its
    key with a shared lock, so the write waits for an end in flight (module docstring)."""
    if table not in _ACTIVITY_TABLES:
        raise ValueError(f"not an activity table: {table}")
    lock = " LOCK IN SHARE MODE" if tx.dialect == "mysql" else ""
    ended = await tx.fetchone(
        f"SELECT m.ended_at FROM {table} t JOIN meeting m ON m.id = t.meeting_id"
        f" WHERE t.id = ?{lock}",
        (row_id,),
    )
    if ended is None or ended["ended_at"] is not None:
        raise MeetingEnded


async def refuse_if_ended(ex: Executor, table: str, row_id: int) -> None:
    """After a conditional write changed nothing: MeetingEnded when that is why."""
    if table not in _ACTIVITY_TABLES:
        raise ValueError(f"not an activity table: {table}")
    ended = await ex.fetchval(
        f"SELECT 1 FROM {table} t JOIN meeting m ON m.id = t.meeting_id"
        " WHERE t.id = ? AND m.ended_at IS NOT NULL",
        (row_id,),
    )
    if ended is not None:
        raise MeetingEnded


class MeetingEnded(Conflict):
    """A write reached the database after its meeting ended: refused, nothing stored."""

    def __init__(self) -> None:
        super().__init__("meeting_ended", "the meeting has ended")


class TooManyOpenMeetings(Conflict):
    """The organizer already runs as many open meetings as allowed."""

    def __init__(self, cap: int) -> None:
        super().__init__(
            "too_many_open_meetings",
            f"you already have {cap} open meetings; end one first",
            limit=cap,
        )


@dataclass(frozen=True)
class Meeting:
    """A meeting; its 5-digit `number` is reserved only while it is active."""

    id: int
    number: str
    title: str
    organizer_id: int
    created_at: float
    ended_at: float | None
    passcode: str | None = None
    access: str = "open"
    last_activity_at: float = 0.0

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
        passcode=None if row["passcode"] is None else str(row["passcode"]),
        access=str(row["access"]),
        last_activity_at=float(row["last_activity_at"]),
    )


def format_number(n: int) -> str:
    """The 5-digit, zero-padded form of a number in [0, 100000)."""
    return f"{n:05d}"


async def create_meeting(
    ex: Executor,
    number: int,
    title: str,
    organizer_id: int,
    now: float,
    *,
    passcode: str | None = None,
    access: str = "open",
    cap: int | None = None,
) -> Meeting:
    """Insert an active meeting under `number` with its organizer as first attendee.

    Raises IntegrityViolation when an active meeting already holds the number, and
    TooManyOpenMeetings when the organizer already has `cap` open ones; pass an open
    transaction so the attendee row goes with the meeting and the count stays exact.
    """
    if cap is not None and cap < NUMBER_SPACE:  # a cap of the whole pool is no cap
        if ex.dialect == "mysql":
            # The organizer's row orders their concurrent creates (SQLite: the write lock).
            await ex.fetchval("SELECT id FROM app_user WHERE id = ? FOR UPDATE", (organizer_id,))
        if await count_open_meetings(ex, organizer_id) >= cap:
            raise TooManyOpenMeetings(cap)
    code = format_number(number)
    result = await ex.execute(
        "INSERT INTO meeting (number, active_number, title, organizer_id, created_at, ended_at,"
        " passcode, access, last_activity_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        (code, number, title, organizer_id, now, passcode, access, now),
    )
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new meeting's id")
    meeting_id = int(result.lastrowid)
    await ex.execute(
        "INSERT INTO attendee (meeting_id, user_id, joined_at) VALUES (?, ?, ?)",
        (meeting_id, organizer_id, now),
    )
    return Meeting(meeting_id, code, title, organizer_id, now, None, passcode, access, now)


async def count_open_meetings(ex: Executor, organizer_id: int) -> int:
    """How many meetings this organizer runs that have not ended."""
    value = await ex.fetchval(
        "SELECT COUNT(*) FROM meeting WHERE organizer_id = ? AND ended_at IS NULL",
        (organizer_id,),
    )
    return int(value or 0)


async def count_all_open(ex: Executor) -> int:
    """Meetings holding a number right now (read from the unique index)."""
    value = await ex.fetchval("SELECT COUNT(*) FROM meeting WHERE active_number IS NOT NULL")
    return int(value or 0)


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


async def end_meeting_locked(
    db: Database, meeting_id: int, clock: Callable[[], float], *, idle_before: float | None = None
) -> float | None:
    """End the meeting once writes in flight committed; its end time, or None if already ended.

    The meeting row is locked first and the clock read after: every write that landed before
    the end carries a time at or before `ended_at`, and every later one is refused. With
    `idle_before`, only a meeting with no activity since then is ended (the idle ender).
    """
    async with db.transaction() as tx:
        lock = " FOR UPDATE" if tx.dialect == "mysql" else ""
        row = await tx.fetchone(
            f"SELECT ended_at, last_activity_at FROM meeting WHERE id = ?{lock}", (meeting_id,)
        )
        if row is None or row["ended_at"] is not None:
            return None
        if idle_before is not None and float(row["last_activity_at"]) >= idle_before:
            return None
        now = clock()
        await end_meeting(tx, meeting_id, now)
    return now


async def lock_live_meeting(tx: Executor, meeting_id: int) -> None:
    """Inside a write's transaction: MeetingEnded unless the meeting is live (locks its row)."""
    lock = " LOCK IN SHARE MODE" if tx.dialect == "mysql" else ""
    ended = await tx.fetchone(f"SELECT ended_at FROM meeting WHERE id = ?{lock}", (meeting_id,))
    if ended is None or ended["ended_at"] is not None:
        raise MeetingEnded


async def meeting_is_live(ex: Executor, meeting_id: int) -> bool:
    """True while the meeting has not ended (a plain read, for telling refusals apart)."""
    found = await ex.fetchval(
        "SELECT 1 FROM meeting WHERE id = ? AND ended_at IS NULL", (meeting_id,)
    )
    return found is not None


async def touch_meeting(ex: Executor, meeting_id: int, now: float, every: float) -> None:
    """Record activity; writes at most once per `every` seconds per meeting (it is a hint)."""
    await ex.execute(
        "UPDATE meeting SET last_activity_at = ?"
        " WHERE id = ? AND ended_at IS NULL AND last_activity_at < ?",
        (now, meeting_id, now - every),
    )


# When something last happened in a meeting: a join, a chat message, an activity created or
# acted on (a vote, a score, a claim, a draw). Only run for meetings that look idle.
_LATEST_ACTIVITY = """
SELECT MAX(t) FROM (
    SELECT MAX(joined_at) AS t FROM attendee WHERE meeting_id = ?
    UNION ALL SELECT MAX(created_at) FROM chat_message WHERE meeting_id = ?
    UNION ALL SELECT MAX(created_at) FROM poll WHERE meeting_id = ?
    UNION ALL SELECT MAX(b.created_at) FROM ballot b JOIN poll p ON p.id = b.poll_id
        WHERE p.meeting_id = ?
    UNION ALL SELECT MAX(COALESCE(drawn_at, created_at)) FROM lottery WHERE meeting_id = ?
    UNION ALL SELECT MAX(created_at) FROM rating WHERE meeting_id = ?
    UNION ALL SELECT MAX(s.updated_at) FROM rating_score s JOIN rating r ON r.id = s.rating_id
        WHERE r.meeting_id = ?
    UNION ALL SELECT MAX(created_at) FROM red_packet WHERE meeting_id = ?
    UNION ALL SELECT MAX(s.claimed_at) FROM red_packet_share s JOIN red_packet p
        ON p.id = s.packet_id WHERE p.meeting_id = ?
) a
"""


async def latest_activity(ex: Executor, meeting_id: int) -> float | None:
    """When the meeting was last used (see `_LATEST_ACTIVITY`), or None for never."""
    value = await ex.fetchval(_LATEST_ACTIVITY, (meeting_id,) * 9)
    return None if value is None else float(value)


async def idle_meeting_ids(ex: Executor, before: float, limit: int) -> list[int]:
    """Live meetings with no activity since `before`, oldest first."""
    rows = await ex.fetchall(
        "SELECT id FROM meeting WHERE ended_at IS NULL AND last_activity_at < ?"
        " ORDER BY last_activity_at, id LIMIT ?",
        (before, limit),
    )
    return [int(r["id"]) for r in rows]


async def list_meetings(
    ex: Executor, status: str | None, offset: int, limit: int
) -> tuple[list[Meeting], int]:
    """A page of every meeting (`status` live, ended or None for both), newest first; total."""
    where = {"live": " WHERE ended_at IS NULL", "ended": " WHERE ended_at IS NOT NULL"}.get(
        status or "", ""
    )
    total = int(await ex.fetchval(f"SELECT COUNT(*) FROM meeting{where}") or 0)
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} FROM meeting{where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [_meeting(r) for r in rows], total


async def join_meeting(ex: Executor, meeting_id: int, user_id: int, now: float) -> bool:
    """Add the user as an attendee of the active meeting; True when a row was added.

    The insert reads the meeting in the same statement (on MariaDB with a shared lock on its
    row, see the module docstring), so nobody joins a meeting that ended between the caller's
    check and this write. It also counts as the meeting's activity.
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
        "SELECT u.id, u.userid, u.name, u.avatar, u.provider FROM attendee a"
        " JOIN app_user u ON u.id = a.user_id WHERE a.meeting_id = ?"
        " ORDER BY a.joined_at, u.id",
        (meeting_id,),
    )
    return [user_from_row(r) for r in rows]


async def list_user_meetings(ex: Executor, user_id: int, limit: int = 100) -> list[Meeting]:
    """Meetings the user attends or attended, newest first."""
    rows = await ex.fetchall(
        "SELECT m.id, m.number, m.title, m.organizer_id, m.created_at, m.ended_at,"
        " m.passcode, m.access, m.last_activity_at"
        " FROM attendee a JOIN meeting m ON m.id = a.meeting_id WHERE a.user_id = ?"
        " ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
        (user_id, limit),
    )
    return [_meeting(r) for r in rows]
