"""Who attended what (`attendee` with `meeting`, `app_user`): one person's meetings, newest
first and paged, and a meeting's attendees with their join (签到) times, for lists and exports."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.database import Executor
from hub.storage.users import User, user_from_row

# A person's meetings: the ones they organize, and the ones they joined.
_MINE = (
    " FROM meeting m WHERE m.organizer_id = ?"
    " OR EXISTS (SELECT 1 FROM attendee a WHERE a.meeting_id = m.id AND a.user_id = ?)"
)


@dataclass(frozen=True)
class MyMeeting:
    """One of a person's meetings, as their list shows it."""

    number: str
    title: str
    role: str  # "organizer" or "attendee"
    created_at: float
    ended_at: float | None
    attendees: int

    @property
    def status(self) -> str:
        """ "live" until it ends, then "ended"."""
        return "live" if self.ended_at is None else "ended"


@dataclass(frozen=True)
class Attendance:
    """A meeting's attendee and when they joined (签到)."""

    user: User
    joined_at: float


async def meetings_of(
    ex: Executor, user_id: int, *, limit: int, offset: int
) -> tuple[list[MyMeeting], int]:
    """The meetings `user_id` organizes or joined, newest first, one page; and how many in all."""
    total = int(await ex.fetchval("SELECT COUNT(*)" + _MINE, (user_id, user_id)) or 0)
    rows = await ex.fetchall(
        "SELECT m.id, m.number, m.title, m.organizer_id, m.created_at, m.ended_at,"
        " (SELECT COUNT(*) FROM attendee c WHERE c.meeting_id = m.id) AS attendees"
        + _MINE
        + " ORDER BY m.created_at DESC, m.id DESC LIMIT ? OFFSET ?",
        (user_id, user_id, limit, offset),
    )
    found = [
        MyMeeting(
            number=str(r["number"]),
            title=str(r["title"]),
            role="organizer" if int(r["organizer_id"]) == user_id else "attendee",
            created_at=float(r["created_at"]),
            ended_at=None if r["ended_at"] is None else float(r["ended_at"]),
            attendees=int(r["attendees"]),
        )
        for r in rows
    ]
    return found, total


async def attendances(ex: Executor, meeting_id: int) -> list[Attendance]:
    """The meeting's attendees with their join times, in the order they joined."""
    rows = await ex.fetchall(
        "SELECT u.id, u.userid, u.name, u.avatar, u.provider, a.joined_at FROM attendee a"
        " JOIN app_user u ON u.id = a.user_id WHERE a.meeting_id = ?"
        " ORDER BY a.joined_at, u.id",
        (meeting_id,),
    )
    return [Attendance(user_from_row(r), float(r["joined_at"])) for r in rows]


async def joined_at(ex: Executor, meeting_id: int, user_id: int) -> float | None:
    """When this person joined (签到) the meeting, or None if they never did."""
    value = await ex.fetchval(
        "SELECT joined_at FROM attendee WHERE meeting_id = ? AND user_id = ?", (meeting_id, user_id)
    )
    return None if value is None else float(value)
