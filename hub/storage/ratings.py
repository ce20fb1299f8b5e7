"""Ratings (`rating`, `rating_score`): one changeable score per attendee, exact SQL aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Database, Executor, Row, placeholders
from hub.storage.helpers import lock_row, upsert_sql
from hub.storage.meetings import (
    MeetingEnded,
    lock_live_meeting_of,
    refuse_if_ended,
)

_COLUMNS = "id, meeting_id, subject, max_score, status, version, created_at, closed_at, anonymous"


@dataclass(frozen=True)
class Rating:
    """A rating with its score distribution (score -> how many gave it)."""

    id: int
    meeting_id: int
    subject: str
    max_score: int
    status: str
    version: int
    created_at: float
    closed_at: float | None
    distribution: tuple[tuple[int, int], ...]
    # Who scored is never shown (the export leaves the person out); one score each still holds.
    anonymous: bool = False

    @property
    def open(self) -> bool:
        """True until the organizer closes it."""
        return self.status == "open"


class RatingClosed(Exception):
    """The rating no longer takes scores (or was already closed)."""


def _rating(row: Row, counts: dict[int, int]) -> Rating:
    closed = row["closed_at"]
    top = int(row["max_score"])
    return Rating(
        id=int(row["id"]),
        meeting_id=int(row["meeting_id"]),
        subject=str(row["subject"]),
        max_score=top,
        status=str(row["status"]),
        version=int(row["version"]),
        created_at=float(row["created_at"]),
        closed_at=None if closed is None else float(closed),
        distribution=tuple((s, counts.get(s, 0)) for s in range(1, top + 1)),
        anonymous=bool(row["anonymous"]),
    )


async def create_rating(
    db: Database, meeting_id: int, subject: str, max_score: int, now: float, anonymous: bool = False
) -> int:
    """Insert an open rating; returns its id (MeetingEnded once the meeting ended)."""
    result = await db.execute(
        "INSERT INTO rating"
        " (meeting_id, subject, max_score, status, version, created_at, anonymous)"
        " SELECT id, ?, ?, 'open', 0, ?, ? FROM meeting WHERE id = ? AND ended_at IS NULL",
        (subject, max_score, now, int(anonymous), meeting_id),
    )
    if result.rowcount == 0:
        raise MeetingEnded
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new rating's id")
    return int(result.lastrowid)


async def _counts(ex: Executor, ids: Sequence[int]) -> dict[int, dict[int, int]]:
    found: dict[int, dict[int, int]] = {i: {} for i in ids}
    if not ids:
        return found
    rows = await ex.fetchall(
        f"SELECT rating_id, score, COUNT(*) AS n FROM rating_score"
        f" WHERE rating_id IN ({placeholders(len(ids))}) GROUP BY rating_id, score",
        list(ids),
    )
    for r in rows:
        found[int(r["rating_id"])][int(r["score"])] = int(r["n"])
    return found


async def get_rating(ex: Executor, rating_id: int) -> Rating | None:
    """The rating with its distribution, or None."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM rating WHERE id = ?", (rating_id,))
    if row is None:
        return None
    return _rating(row, (await _counts(ex, [rating_id]))[rating_id])


async def list_ratings(ex: Executor, meeting_id: int) -> list[Rating]:
    """The meeting's ratings, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} FROM rating WHERE meeting_id = ? ORDER BY id", (meeting_id,)
    )
    counts = await _counts(ex, [int(r["id"]) for r in rows])
    return [_rating(r, counts[int(r["id"])]) for r in rows]


async def set_score(db: Database, rating_id: int, user_id: int, score: int, now: float) -> None:
    """Insert or change this attendee's score while the rating is open (RatingClosed after).

    The rating row is bumped first: its lock orders scorers and its `status` condition makes
    a score racing the close either land before it or be refused; the same statement reads
    the meeting row (shared lock: hub.storage.meetings), so one racing the meeting's end does
    too (MeetingEnded).
    """
    async with db.transaction() as tx:
        bumped = await tx.execute(
            "UPDATE rating SET version = version + 1 WHERE id = ? AND status = 'open'",
            (rating_id,),
        )
        if bumped.rowcount == 0:
            await refuse_if_ended(tx, "rating", rating_id)
            raise RatingClosed
        await lock_live_meeting_of(tx, "rating", rating_id)
        columns = ("rating_id", "user_id", "score", "updated_at")
        sql = upsert_sql(tx.dialect, "rating_score", columns, ("rating_id", "user_id"), 1)
        await tx.execute(sql, (rating_id, user_id, score, now))


async def close_rating(db: Database, rating_id: int, now: float) -> None:
    """Close an open rating; RatingClosed when it was already closed."""
    result = await db.execute(
        "UPDATE rating SET status = 'closed', closed_at = ?, version = version + 1"
        " WHERE id = ? AND status = 'open'",
        (now, rating_id),
    )
    if result.rowcount == 0:
        raise RatingClosed


async def delete_unused_rating(tx: Executor, rating_id: int) -> bool:
    """In the caller's transaction, delete a rating nobody scored; False when someone has
    (nothing changes). The rating row is locked first, as a score's is, so a score either
    lands before or finds it gone."""
    if not await lock_row(tx, "rating", rating_id):
        return False
    scored = await tx.fetchval(
        "SELECT 1 FROM rating_score WHERE rating_id = ? LIMIT 1", (rating_id,)
    )
    if scored is not None:
        return False
    await tx.execute("DELETE FROM rating WHERE id = ?", (rating_id,))
    return True


async def my_scores(ex: Executor, rating_ids: Sequence[int], user_id: int) -> dict[int, int]:
    """This user's score by rating (ratings they did not score are left out)."""
    if not rating_ids:
        return {}
    rows = await ex.fetchall(
        f"SELECT rating_id, score FROM rating_score"
        f" WHERE user_id = ? AND rating_id IN ({placeholders(len(rating_ids))})",
        (user_id, *rating_ids),
    )
    return {int(r["rating_id"]): int(r["score"]) for r in rows}


async def score_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every score given in the meeting's ratings (for the CSV export)."""
    return await ex.fetchall(
        "SELECT s.rating_id, s.user_id, s.score, s.updated_at FROM rating_score s"
        " JOIN rating r ON r.id = s.rating_id WHERE r.meeting_id = ?"
        " ORDER BY s.rating_id, s.updated_at, s.user_id",
        (meeting_id,),
    )
