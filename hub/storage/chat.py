"""Chat messages (`chat_message`) with a gap-free per-meeting `seq` from `chat_seq`."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.database import Database, Executor, IntegrityViolation, Row
from hub.storage.helpers import insert_ignore_sql
from hub.storage.meetings import LIVE_MEETING, MeetingEnded, meeting_is_live

_COLUMNS = "meeting_id, seq, user_id, client_id, text, created_at"
# Reads also carry the moderation mark (hub.storage.moderation sets it; the row and seq stay).
_READ = _COLUMNS + ", deleted_at"


@dataclass(frozen=True)
class ChatMessage:
    """One stored message; `seq` rises by one per message within its meeting."""

    meeting_id: int
    seq: int
    user_id: int
    client_id: str
    text: str
    created_at: float
    deleted_at: float | None = None


class _NoCounter(Exception):
    """The meeting has no `chat_seq` row yet (its first message)."""


def _message(row: Row) -> ChatMessage:
    return ChatMessage(
        meeting_id=int(row["meeting_id"]),
        seq=int(row["seq"]),
        user_id=int(row["user_id"]),
        client_id=str(row["client_id"]),
        text=str(row["text"]),
        created_at=float(row["created_at"]),
        deleted_at=None if row["deleted_at"] is None else float(row["deleted_at"]),
    )


async def find_by_client_id(
    ex: Executor, meeting_id: int, user_id: int, client_id: str
) -> ChatMessage | None:
    """The message this sender already stored under `client_id`, if any."""
    row = await ex.fetchone(
        f"SELECT {_READ} FROM chat_message WHERE meeting_id = ? AND user_id = ? AND client_id = ?",
        (meeting_id, user_id, client_id),
    )
    return _message(row) if row else None


async def add_message(
    db: Database, meeting_id: int, user_id: int, client_id: str, text: str, now: float
) -> tuple[ChatMessage, bool]:
    """Store a message under the next seq; returns it and False when `client_id` was a resend.

    The counter row's lock (taken by the UPDATE) orders concurrent senders on every process,
    and the rollback of a refused insert returns its seq, so seqs never skip or repeat. The
    same UPDATE reads the meeting row (shared lock: hub.storage.meetings), so a message racing
    the meeting's end is stored before it or refused with MeetingEnded.
    """
    # No read first: a resend is rare, and the unique key refuses it inside the transaction.
    for _ in range(3):
        try:
            async with db.transaction() as tx:
                seq = await _next_seq(tx, meeting_id)
                if seq is None:
                    if not await meeting_is_live(tx, meeting_id):
                        raise MeetingEnded
                    raise _NoCounter
                await tx.execute(
                    f"INSERT INTO chat_message ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (meeting_id, seq, user_id, client_id, text, now),
                )
            return ChatMessage(meeting_id, seq, user_id, client_id, text, now), True
        except _NoCounter:
            # Created outside the transaction: an upsert inside it would take gap locks on
            # MySQL, and two first messages at once could deadlock on them.
            await db.execute(
                insert_ignore_sql(db.dialect, "chat_seq", ("meeting_id", "last_seq")),
                (meeting_id, 0),
            )
        except IntegrityViolation:
            # A resend (or a race with one): answer with the message stored under it.
            existing = await find_by_client_id(db, meeting_id, user_id, client_id)
            if existing is None:
                raise
            return existing, False
    raise RuntimeError(f"no chat counter for meeting {meeting_id}")


async def _next_seq(tx: Executor, meeting_id: int) -> int | None:
    """Bump the meeting's counter inside a transaction; None without a row or a live meeting."""
    if tx.dialect == "sqlite":
        # One statement instead of two (MariaDB has no UPDATE ... RETURNING).
        value = await tx.fetchval(
            "UPDATE chat_seq SET last_seq = last_seq + 1"
            f" WHERE meeting_id = ? AND {LIVE_MEETING} RETURNING last_seq",
            (meeting_id, meeting_id),
        )
        return None if value is None else int(value)
    bumped = await tx.execute(
        f"UPDATE chat_seq SET last_seq = last_seq + 1 WHERE meeting_id = ? AND {LIVE_MEETING}",
        (meeting_id, meeting_id),
    )
    if bumped.rowcount == 0:
        return None
    return int(
        await tx.fetchval("SELECT last_seq FROM chat_seq WHERE meeting_id = ?", (meeting_id,))
    )


async def last_seq(ex: Executor, meeting_id: int) -> int:
    """The seq of the newest committed message of the meeting (0 when there is none)."""
    value = await ex.fetchval("SELECT last_seq FROM chat_seq WHERE meeting_id = ?", (meeting_id,))
    return int(value) if value is not None else 0


async def messages_after(
    ex: Executor, meeting_id: int, after: int, limit: int, *, up_to: int | None = None
) -> list[ChatMessage]:
    """At most `limit` messages with seq > `after` (and <= `up_to`), oldest first."""
    if up_to is None:
        rows = await ex.fetchall(
            f"SELECT {_READ} FROM chat_message WHERE meeting_id = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (meeting_id, after, limit),
        )
    else:
        rows = await ex.fetchall(
            f"SELECT {_READ} FROM chat_message WHERE meeting_id = ? AND seq > ? AND seq <= ?"
            " ORDER BY seq LIMIT ?",
            (meeting_id, after, up_to, limit),
        )
    return [_message(r) for r in rows]
