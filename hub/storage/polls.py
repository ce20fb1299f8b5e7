"""Polls (`poll`, `poll_option`, `ballot`, `ballot_option`): one ballot per attendee, SQL counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Database, Executor, IntegrityViolation, Row, placeholders
from hub.storage.meetings import (
    Meeting,
    MeetingEnded,
    lock_live_meeting_of,
    refuse_if_ended,
)

_POLL_COLUMNS = (
    "p.id, p.meeting_id, p.question, p.multi, p.hide_results, p.results, p.status,"
    " p.total_votes, p.version, p.created_at, p.closed_at, p.anonymous"
)
# One row per option: a poll and its options (and its meeting) come in one statement.
_OPTION_COLUMNS = "o.id AS option_id, o.label AS option_label, o.votes AS option_votes"
_MEETING_COLUMNS = (
    "m.number AS meeting_number, m.title AS meeting_title, m.organizer_id AS meeting_organizer,"
    " m.created_at AS meeting_created_at, m.ended_at AS meeting_ended_at"
)


@dataclass(frozen=True)
class PollOption:
    """One choice of a poll with its vote counter."""

    id: int
    label: str
    votes: int


@dataclass(frozen=True)
class Poll:
    """A poll and its options; `total_votes` counts ballots, `version` rises with every change."""

    id: int
    meeting_id: int
    question: str
    multi: bool
    hide_results: bool
    status: str
    total_votes: int
    version: int
    created_at: float
    closed_at: float | None
    options: tuple[PollOption, ...]
    # When attendees see the counts: "always", "after_vote" or "after_close".
    results: str = "always"
    # Who voted is never shown (the export leaves voters out); one ballot each still holds.
    anonymous: bool = False

    @property
    def open(self) -> bool:
        """True until the organizer closes it."""
        return self.status == "open"


class AlreadyVoted(Exception):
    """This attendee already has a ballot in the poll."""


class PollClosed(Exception):
    """The poll no longer takes votes (or was already closed)."""


def _poll(row: Row, options: Sequence[PollOption]) -> Poll:
    closed = row["closed_at"]
    return Poll(
        id=int(row["id"]),
        meeting_id=int(row["meeting_id"]),
        question=str(row["question"]),
        multi=bool(row["multi"]),
        hide_results=bool(row["hide_results"]),
        status=str(row["status"]),
        total_votes=int(row["total_votes"]),
        version=int(row["version"]),
        created_at=float(row["created_at"]),
        closed_at=None if closed is None else float(closed),
        options=tuple(options),
        results=str(row["results"]),
        anonymous=bool(row["anonymous"]),
    )


async def create_poll(
    db: Database,
    meeting_id: int,
    question: str,
    labels: Sequence[str],
    *,
    multi: bool,
    hide_results: bool,
    now: float,
    results: str = "always",
    anonymous: bool = False,
) -> int:
    """Insert a poll with its options in one transaction; returns its id.

    MeetingEnded when the meeting ended first (the insert reads it: see hub.storage.meetings).
    """
    async with db.transaction() as tx:
        result = await tx.execute(
            "INSERT INTO poll (meeting_id, question, multi, hide_results, results, anonymous,"
            " status, total_votes, version, created_at)"
            " SELECT id, ?, ?, ?, ?, ?, 'open', 0, 0, ? FROM meeting"
            " WHERE id = ? AND ended_at IS NULL",
            (question, int(multi), int(hide_results), results, int(anonymous), now, meeting_id),
        )
        if result.rowcount == 0:
            raise MeetingEnded
        if result.lastrowid is None:  # pragma: no cover - both drivers report it
            raise RuntimeError("the database did not report the new poll's id")
        poll_id = int(result.lastrowid)
        await tx.executemany(
            "INSERT INTO poll_option (poll_id, idx, label, votes) VALUES (?, ?, ?, 0)",
            [(poll_id, i, label) for i, label in enumerate(labels)],
        )
    return poll_id


async def _options(ex: Executor, poll_ids: Sequence[int]) -> dict[int, list[PollOption]]:
    found: dict[int, list[PollOption]] = {pid: [] for pid in poll_ids}
    if not poll_ids:
        return found
    rows = await ex.fetchall(
        f"SELECT id, poll_id, label, votes FROM poll_option"
        f" WHERE poll_id IN ({placeholders(len(poll_ids))}) ORDER BY poll_id, idx",
        list(poll_ids),
    )
    for r in rows:
        found[int(r["poll_id"])].append(PollOption(int(r["id"]), str(r["label"]), int(r["votes"])))
    return found


def _joined(rows: Sequence[Row]) -> Poll | None:
    """The poll of rows that carry it once per option (ordered by option)."""
    if not rows:
        return None
    options = [
        PollOption(int(r["option_id"]), str(r["option_label"]), int(r["option_votes"]))
        for r in rows
        if r["option_id"] is not None
    ]
    return _poll(rows[0], options)


async def get_poll(ex: Executor, poll_id: int) -> Poll | None:
    """The poll with its options, or None (one statement)."""
    rows = await ex.fetchall(
        f"SELECT {_POLL_COLUMNS}, {_OPTION_COLUMNS} FROM poll p"
        f" LEFT JOIN poll_option o ON o.poll_id = p.id WHERE p.id = ? ORDER BY o.idx",
        (poll_id,),
    )
    return _joined(rows)


async def get_poll_in_meeting(ex: Executor, poll_id: int) -> tuple[Poll, Meeting] | None:
    """The poll with its options and its meeting, or None, in one statement: a vote reads
    this before its access check, so the meeting costs no statement of its own."""
    rows = await ex.fetchall(
        f"SELECT {_POLL_COLUMNS}, {_OPTION_COLUMNS}, {_MEETING_COLUMNS} FROM poll p"
        f" JOIN meeting m ON m.id = p.meeting_id"
        f" LEFT JOIN poll_option o ON o.poll_id = p.id WHERE p.id = ? ORDER BY o.idx",
        (poll_id,),
    )
    poll = _joined(rows)
    if poll is None:
        return None
    row = rows[0]
    ended = row["meeting_ended_at"]
    meeting = Meeting(
        id=poll.meeting_id,
        number=str(row["meeting_number"]),
        title=str(row["meeting_title"]),
        organizer_id=int(row["meeting_organizer"]),
        created_at=float(row["meeting_created_at"]),
        ended_at=None if ended is None else float(ended),
    )
    return poll, meeting


async def list_polls(ex: Executor, meeting_id: int) -> list[Poll]:
    """The meeting's polls, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_POLL_COLUMNS} FROM poll p WHERE p.meeting_id = ? ORDER BY p.id", (meeting_id,)
    )
    options = await _options(ex, [int(r["id"]) for r in rows])
    return [_poll(r, options[int(r["id"])]) for r in rows]


async def cast_ballot(
    db: Database, poll_id: int, user_id: int, option_ids: Sequence[int], now: float
) -> None:
    """Record one ballot and bump the counters, all in one transaction.

    The poll row is updated first: its row lock orders concurrent voters (no deadlocks on
    MySQL) and its `status` condition refuses votes after close; the same statement reads the
    meeting row (shared lock: hub.storage.meetings), so a vote racing the meeting's end lands
    before it or is refused (MeetingEnded). The unique (poll, user) key then refuses a second
    ballot, rolling the counters back with it.
    """
    try:
        async with db.transaction() as tx:
            bumped = await tx.execute(
                "UPDATE poll SET total_votes = total_votes + 1, version = version + 1"
                " WHERE id = ? AND status = 'open'",
                (poll_id,),
            )
            if bumped.rowcount == 0:
                await refuse_if_ended(tx, "poll", poll_id)
                raise PollClosed
            await lock_live_meeting_of(tx, "poll", poll_id)
            ballot = await tx.execute(
                "INSERT INTO ballot (poll_id, user_id, created_at) VALUES (?, ?, ?)",
                (poll_id, user_id, now),
            )
            if ballot.lastrowid is None:  # pragma: no cover - both drivers report it
                raise RuntimeError("the database did not report the new ballot's id")
            await tx.executemany(
                "INSERT INTO ballot_option (ballot_id, option_id) VALUES (?, ?)",
                [(int(ballot.lastrowid), oid) for oid in option_ids],
            )
            # One row per statement, by primary key (the caller checked the ids belong to the
            # poll): on a small table MySQL may scan for an IN list and lock other polls' rows.
            await tx.executemany(
                "UPDATE poll_option SET votes = votes + 1 WHERE id = ?",
                [(oid,) for oid in sorted(option_ids)],
            )
    except IntegrityViolation:
        raise AlreadyVoted from None


async def close_poll(db: Database, poll_id: int, now: float) -> None:
    """Close an open poll; PollClosed when it was already closed."""
    result = await db.execute(
        "UPDATE poll SET status = 'closed', closed_at = ?, version = version + 1"
        " WHERE id = ? AND status = 'open'",
        (now, poll_id),
    )
    if result.rowcount == 0:
        raise PollClosed


async def delete_unused_poll(tx: Executor, poll_id: int) -> bool:
    """In the caller's transaction, delete a poll nobody voted in, with its options; False when
    someone has (nothing changes). The poll row is locked first, as a vote's is, so a vote
    either lands before or finds it gone."""
    lock = " FOR UPDATE" if tx.dialect == "mysql" else ""
    votes = await tx.fetchval(f"SELECT total_votes FROM poll WHERE id = ?{lock}", (poll_id,))
    if votes is None or int(votes) > 0:
        return False
    await tx.execute("DELETE FROM poll_option WHERE poll_id = ?", (poll_id,))
    await tx.execute("DELETE FROM poll WHERE id = ?", (poll_id,))
    return True


async def my_votes(ex: Executor, poll_ids: Sequence[int], user_id: int) -> dict[int, list[int]]:
    """The option ids this user chose, by poll (polls they did not vote in are left out)."""
    if not poll_ids:
        return {}
    rows = await ex.fetchall(
        f"SELECT b.poll_id, o.option_id FROM ballot b"
        f" JOIN ballot_option o ON o.ballot_id = b.id"
        f" WHERE b.user_id = ? AND b.poll_id IN ({placeholders(len(poll_ids))})"
        f" ORDER BY b.poll_id, o.option_id",
        (user_id, *poll_ids),
    )
    found: dict[int, list[int]] = {}
    for r in rows:
        found.setdefault(int(r["poll_id"]), []).append(int(r["option_id"]))
    return found


async def ballot_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every choice made in the meeting's polls with the voter (for the CSV export)."""
    return await ex.fetchall(
        "SELECT b.poll_id, o.option_id, b.user_id, b.created_at FROM ballot b"
        " JOIN poll p ON p.id = b.poll_id JOIN ballot_option o ON o.ballot_id = b.id"
        " WHERE p.meeting_id = ? ORDER BY b.poll_id, o.option_id, b.created_at, b.id",
        (meeting_id,),
    )
