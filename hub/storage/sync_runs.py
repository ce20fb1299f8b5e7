"""The live sync log (`sync_run`): one row per sync attempt, for the admin status page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.clock import iso_ts
from hub.storage.database import Executor, Row, placeholders


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class SyncRun:
    """One recorded sync attempt."""

    id: int
    trigger: str
    started_at: float
    finished_at: float
    ok: bool
    pages: int
    seen: int
    upserted: int
    deleted: int
    replays: int
    list_calls: int
    replay_calls: int
    error: str | None

    @classmethod
    def from_row(cls, row: Row) -> SyncRun:
        """Build from a `sync_run` row."""
        ints = ("pages", "seen", "upserted", "deleted", "replays", "list_calls", "replay_calls")
        return cls(
            id=int(row["id"]),
            trigger=str(row["trigger_kind"]),
            started_at=float(row["started_at"]),
            finished_at=float(row["finished_at"]),
            ok=bool(row["ok"]),
            error=row["error"],
            **{k: _int(row[k]) for k in ints},
        )

    def as_json(self) -> dict[str, Any]:
        """For the admin status route (ISO-8601 UTC times)."""
        return {
            "id": self.id,
            "trigger": self.trigger,
            "started_at": iso_ts(self.started_at),
            "finished_at": iso_ts(self.finished_at),
            "ok": self.ok,
            "pages": self.pages,
            "seen": self.seen,
            "upserted": self.upserted,
            "deleted": self.deleted,
            "replays": self.replays,
            "list_calls": self.list_calls,
            "replay_calls": self.replay_calls,
            "error": self.error,
        }


RUN_COLUMNS = (
    "trigger_kind", "started_at", "finished_at", "ok", "pages", "seen", "upserted", "deleted",
    "replays", "list_calls", "replay_calls", "error",
)  # fmt: skip


async def record_run(ex: Executor, run: SyncRun) -> int:
    """Insert a run; returns its id."""
    values = [
        run.trigger, run.started_at, run.finished_at, int(run.ok), run.pages, run.seen,
        run.upserted, run.deleted, run.replays, run.list_calls, run.replay_calls, run.error,
    ]  # fmt: skip
    res = await ex.execute(
        f"INSERT INTO sync_run ({', '.join(RUN_COLUMNS)}) VALUES ({placeholders(len(values))})",
        values,
    )
    return int(res.lastrowid or 0)


async def last_runs(ex: Executor, limit: int = 10) -> list[SyncRun]:
    """The most recent runs, newest first."""
    rows = await ex.fetchall(
        f"SELECT id, {', '.join(RUN_COLUMNS)} FROM sync_run ORDER BY id DESC LIMIT ?", [limit]
    )
    return [SyncRun.from_row(r) for r in rows]


async def last_ok_run(ex: Executor) -> SyncRun | None:
    """The most recent successful run."""
    row = await ex.fetchone(
        f"SELECT id, {', '.join(RUN_COLUMNS)} FROM sync_run WHERE ok = 1 ORDER BY id DESC LIMIT 1"
    )
    return SyncRun.from_row(row) if row else None
