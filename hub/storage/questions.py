"""Audience questions (`question`, `question_vote`): one upvote per person, exact counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Database, Executor, Row, placeholders
from hub.storage.helpers import insert_ignore_sql
from hub.storage.meetings import MeetingEnded, lock_live_meeting_of, refuse_if_ended

_COLUMNS = (
    "id, meeting_id, user_id, text, anonymous, status, answered, highlighted, upvotes, version,"
    " created_at"
)
STATUSES = ("pending", "open", "hidden", "deleted")


@dataclass(frozen=True)
class Question:
    """A question; `user_id` is its author (never shown for an anonymous one)."""

    id: int
    meeting_id: int
    user_id: int
    text: str
    anonymous: bool
    status: str
    answered: bool
    highlighted: bool
    upvotes: int
    version: int
    created_at: float


class QuestionClosed(Exception):
    """The question takes no upvotes now (pending, hidden or deleted)."""


def _question(row: Row) -> Question:
    return Question(
        id=int(row["id"]),
        meeting_id=int(row["meeting_id"]),
        user_id=int(row["user_id"]),
        text=str(row["text"]),
        anonymous=bool(row["anonymous"]),
        status=str(row["status"]),
        answered=bool(row["answered"]),
        highlighted=bool(row["highlighted"]),
        upvotes=int(row["upvotes"]),
        version=int(row["version"]),
        created_at=float(row["created_at"]),
    )


async def create_question(
    db: Database,
    meeting_id: int,
    user_id: int,
    text: str,
    anonymous: bool,
    status: str,
    now: float,
) -> int:
    """Insert a question (`status` open, or pending under moderation); MeetingEnded after."""
    result = await db.execute(
        "INSERT INTO question (meeting_id, user_id, text, anonymous, status, created_at)"
        " SELECT ?, ?, ?, ?, ?, ? FROM meeting WHERE id = ? AND ended_at IS NULL",
        (meeting_id, user_id, text, int(anonymous), status, now, meeting_id),
    )
    if result.rowcount == 0:
        raise MeetingEnded
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new question's id")
    return int(result.lastrowid)


async def get_question(ex: Executor, question_id: int) -> Question | None:
    """The question, or None."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM question WHERE id = ?", (question_id,))
    return _question(row) if row else None


async def list_questions(ex: Executor, meeting_id: int) -> list[Question]:
    """The meeting's questions, oldest first (deleted ones included: versions stay known)."""
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} FROM question WHERE meeting_id = ? ORDER BY id", (meeting_id,)
    )
    return [_question(r) for r in rows]


async def _bump_open(tx: Executor, question_id: int) -> None:
    # The question row first: its lock orders every upvoter of it on MariaDB.
    bumped = await tx.execute(
        "UPDATE question SET version = version + 1 WHERE id = ? AND status = 'open'",
        (question_id,),
    )
    if bumped.rowcount == 0:
        await refuse_if_ended(tx, "question", question_id)
        raise QuestionClosed
    await lock_live_meeting_of(tx, "question", question_id)


async def upvote(db: Database, question_id: int, user_id: int, now: float) -> None:
    """Add this person's upvote once (a repeat changes nothing); QuestionClosed unless open."""
    async with db.transaction() as tx:
        await _bump_open(tx, question_id)
        added = await tx.execute(
            insert_ignore_sql(
                tx.dialect, "question_vote", ("question_id", "user_id", "created_at")
            ),
            (question_id, user_id, now),
        )
        if added.rowcount:
            await tx.execute(
                "UPDATE question SET upvotes = upvotes + 1 WHERE id = ?", (question_id,)
            )


async def unvote(db: Database, question_id: int, user_id: int) -> None:
    """Take this person's upvote back (none given changes nothing); QuestionClosed unless open."""
    async with db.transaction() as tx:
        await _bump_open(tx, question_id)
        removed = await tx.execute(
            "DELETE FROM question_vote WHERE question_id = ? AND user_id = ?",
            (question_id, user_id),
        )
        if removed.rowcount:
            await tx.execute(
                "UPDATE question SET upvotes = upvotes - 1 WHERE id = ?", (question_id,)
            )


async def set_state(
    db: Database,
    question_id: int,
    *,
    status: str | None = None,
    answered: bool | None = None,
    highlighted: bool | None = None,
) -> bool:
    """The organizer's change of status or flags; False when the question is deleted."""
    sets = ["version = version + 1"]
    params: list[object] = []
    for column, value in (("status", status), ("answered", answered), ("highlighted", highlighted)):
        if value is not None:
            sets.append(f"{column} = ?")
            params.append(value if column == "status" else int(bool(value)))
    result = await db.execute(
        f"UPDATE question SET {', '.join(sets)} WHERE id = ? AND status <> 'deleted'",
        (*params, question_id),
    )
    return result.rowcount > 0


async def my_upvotes(ex: Executor, question_ids: Sequence[int], user_id: int) -> set[int]:
    """The questions among these that this person upvoted."""
    if not question_ids:
        return set()
    rows = await ex.fetchall(
        f"SELECT question_id FROM question_vote"
        f" WHERE user_id = ? AND question_id IN ({placeholders(len(question_ids))})",
        (user_id, *question_ids),
    )
    return {int(r["question_id"]) for r in rows}
