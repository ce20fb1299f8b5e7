"""Chat moderation and the pinned announcement (`meeting_mute`, `meeting_pin`, deleted messages)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.database import Database, Executor
from hub.storage.helpers import upsert_sql


@dataclass(frozen=True)
class Pin:
    """The meeting's pinned announcement."""

    text: str
    pinned_at: float


async def delete_message(db: Database, meeting_id: int, seq: int, now: float) -> bool | None:
    """Mark a message deleted; None when there is no such message, False when it already was."""
    result = await db.execute(
        "UPDATE chat_message SET deleted_at = ?"
        " WHERE meeting_id = ? AND seq = ? AND deleted_at IS NULL",
        (now, meeting_id, seq),
    )
    if result.rowcount:
        return True
    found = await db.fetchval(
        "SELECT 1 FROM chat_message WHERE meeting_id = ? AND seq = ?", (meeting_id, seq)
    )
    return False if found else None


async def deleted_seqs(ex: Executor, meeting_id: int, seqs: list[int]) -> set[int]:
    """The seqs among these whose message was deleted."""
    if not seqs:
        return set()
    rows = await ex.fetchall(
        "SELECT seq FROM chat_message WHERE meeting_id = ? AND deleted_at IS NOT NULL"
        " AND seq >= ? AND seq <= ?",
        (meeting_id, min(seqs), max(seqs)),
    )
    return {int(r["seq"]) for r in rows}


async def mute(db: Database, meeting_id: int, user_id: int, until: float) -> None:
    """Mute this attendee until `until` (a new mute replaces the old one)."""
    sql = upsert_sql(
        db.dialect,
        "meeting_mute",
        ("meeting_id", "user_id", "until_at"),
        ("meeting_id", "user_id"),
        1,
    )
    await db.execute(sql, (meeting_id, user_id, until))


async def muted_until(ex: Executor, meeting_id: int, user_id: int) -> float | None:
    """When this attendee's mute ends (None when never muted)."""
    value = await ex.fetchval(
        "SELECT until_at FROM meeting_mute WHERE meeting_id = ? AND user_id = ?",
        (meeting_id, user_id),
    )
    return None if value is None else float(value)


async def set_pin(db: Database, meeting_id: int, text: str | None, now: float) -> None:
    """Pin `text` (replacing any pin), or unpin with None."""
    if text is None:
        await db.execute("DELETE FROM meeting_pin WHERE meeting_id = ?", (meeting_id,))
        return
    sql = upsert_sql(
        db.dialect, "meeting_pin", ("meeting_id", "text", "pinned_at"), ("meeting_id",), 1
    )
    await db.execute(sql, (meeting_id, text, now))


async def get_pin(ex: Executor, meeting_id: int) -> Pin | None:
    """The meeting's pinned announcement, if any."""
    row = await ex.fetchone(
        "SELECT text, pinned_at FROM meeting_pin WHERE meeting_id = ?", (meeting_id,)
    )
    return Pin(str(row["text"]), float(row["pinned_at"])) if row else None
