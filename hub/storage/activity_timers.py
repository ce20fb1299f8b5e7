"""Timed actions of activities (`activity_timer`): schedule, claim exactly once, mark done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Executor, placeholders
from hub.storage.helpers import upsert_sql

# How long a claim holds: a process that dies after claiming lets another take it after this.
LEASE = 30.0


@dataclass(frozen=True)
class DueTimer:
    """One timed action whose time has come."""

    kind: str
    activity_id: int
    action: str
    meeting_id: int
    due_at: float


async def schedule(
    ex: Executor, kind: str, activity_id: int, action: str, meeting_id: int, due_at: float
) -> None:
    """Set (or move) when `action` runs on the activity; a moved timer runs again when due."""
    columns = ("kind", "activity_id", "action", "meeting_id", "due_at", "claimed_until", "done")
    sql = upsert_sql(ex.dialect, "activity_timer", columns, ("kind", "activity_id", "action"), 1)
    await ex.execute(sql, (kind, activity_id, action, meeting_id, due_at, None, 0))


async def cancel(ex: Executor, kind: str, activity_id: int, action: str) -> None:
    """The action will not run by itself (it ran by hand, or is no longer wanted)."""
    await ex.execute(
        "UPDATE activity_timer SET done = 1 WHERE kind = ? AND activity_id = ? AND action = ?",
        (kind, activity_id, action),
    )


async def forget(ex: Executor, kind: str, activity_id: int) -> None:
    """Drop every timed action of an activity (it is being deleted, in the caller's transaction)."""
    await ex.execute(
        "DELETE FROM activity_timer WHERE kind = ? AND activity_id = ?", (kind, activity_id)
    )


async def due_at(
    ex: Executor, kind: str, activity_ids: Sequence[int], action: str
) -> dict[int, float]:
    """When `action` runs (or ran) on each of these activities, by id; untimed ones left out."""
    if not activity_ids:
        return {}
    rows = await ex.fetchall(
        f"SELECT activity_id, due_at FROM activity_timer WHERE kind = ? AND action = ?"
        f" AND activity_id IN ({placeholders(len(activity_ids))})",
        (kind, action, *activity_ids),
    )
    return {int(r["activity_id"]): float(r["due_at"]) for r in rows}


async def next_due(ex: Executor) -> float | None:
    """The earliest time a pending timer is due, or None."""
    value = await ex.fetchval("SELECT MIN(due_at) FROM activity_timer WHERE done = 0")
    return None if value is None else float(value)


async def claim_due(ex: Executor, now: float, limit: int = 50) -> list[DueTimer]:
    """The due timers this process now holds: each claimed by a conditional UPDATE, so of
    several processes exactly one holds a timer until its lease runs out."""
    rows = await ex.fetchall(
        "SELECT kind, activity_id, action, meeting_id, due_at FROM activity_timer"
        " WHERE done = 0 AND due_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)"
        " ORDER BY due_at LIMIT ?",
        (now, now, limit),
    )
    claimed: list[DueTimer] = []
    for r in rows:
        timer = DueTimer(
            str(r["kind"]),
            int(r["activity_id"]),
            str(r["action"]),
            int(r["meeting_id"]),
            float(r["due_at"]),
        )
        won = await ex.execute(
            "UPDATE activity_timer SET claimed_until = ? WHERE kind = ? AND activity_id = ?"
            " AND action = ? AND done = 0 AND due_at = ?"
            " AND (claimed_until IS NULL OR claimed_until < ?)",
            (now + LEASE, timer.kind, timer.activity_id, timer.action, timer.due_at, now),
        )
        if won.rowcount == 1:
            claimed.append(timer)
    return claimed


async def finish(ex: Executor, timer: DueTimer) -> None:
    """The claimed timer ran; one moved meanwhile (a later due_at) stays pending."""
    await ex.execute(
        "UPDATE activity_timer SET done = 1 WHERE kind = ? AND activity_id = ? AND action = ?"
        " AND due_at = ?",
        (timer.kind, timer.activity_id, timer.action, timer.due_at),
    )
