"""What a meeting's screen presents (`meeting_presenting`) and its screen links (`screen_link`)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.storage.database import Database, Executor, Row
from hub.storage.helpers import insert_ignore_sql


@dataclass(frozen=True)
class StoredPresenting:
    """The organizer's last explicit choice and how many activities existed when it was made."""

    mode: str
    kind: str | None
    activity_id: int | None
    activities_seen: int
    updated_at: float
    version: int = 0


@dataclass(frozen=True)
class ScreenLink:
    """A link that opens a meeting's screen without signing in; the token itself is not kept."""

    id: int
    meeting_id: int
    created_by: int
    created_at: float
    revoked_at: float | None

    @property
    def active(self) -> bool:
        """True until the organizer revokes it."""
        return self.revoked_at is None


async def get_presenting(ex: Executor, meeting_id: int) -> StoredPresenting | None:
    """The stored choice of the meeting, or None when the organizer never made one."""
    row = await ex.fetchone(
        "SELECT mode, kind, activity_id, activities_seen, updated_at, version"
        " FROM meeting_presenting"
        " WHERE meeting_id = ?",
        (meeting_id,),
    )
    if row is None:
        return None
    activity_id = row["activity_id"]
    return StoredPresenting(
        mode=str(row["mode"]),
        kind=None if row["kind"] is None else str(row["kind"]),
        activity_id=None if activity_id is None else int(activity_id),
        activities_seen=int(row["activities_seen"]),
        updated_at=float(row["updated_at"]),
        version=int(row["version"]),
    )


async def put_presenting(db: Database, meeting_id: int, choice: StoredPresenting) -> int:
    """Store the meeting's choice, replacing the previous one; returns its new version.

    The row is made first on its own (a "join" row of version 0 means what no row means), so
    the transaction only ever updates: its row lock orders concurrent choices, versions follow
    the order of the writes, and no first-insert race can deadlock.
    """
    columns = ("meeting_id", "mode", "activities_seen", "updated_at", "version")
    await db.execute(
        insert_ignore_sql(db.dialect, "meeting_presenting", columns),
        (meeting_id, "join", 0, choice.updated_at, 0),
    )
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE meeting_presenting SET mode = ?, kind = ?, activity_id = ?,"
            " activities_seen = ?, updated_at = ?, version = version + 1 WHERE meeting_id = ?",
            (
                choice.mode,
                choice.kind,
                choice.activity_id,
                choice.activities_seen,
                choice.updated_at,
                meeting_id,
            ),
        )
        version = await tx.fetchval(
            "SELECT version FROM meeting_presenting WHERE meeting_id = ?", (meeting_id,)
        )
    return int(version)


_LINK_COLUMNS = "id, meeting_id, created_by, created_at, revoked_at"


def _link(row: Row) -> ScreenLink:
    revoked = row["revoked_at"]
    return ScreenLink(
        id=int(row["id"]),
        meeting_id=int(row["meeting_id"]),
        created_by=int(row["created_by"]),
        created_at=float(row["created_at"]),
        revoked_at=None if revoked is None else float(revoked),
    )


async def add_screen_link(
    db: Database, meeting_id: int, token_hash: str, user_id: int, now: float
) -> ScreenLink:
    """Store a new link under the hash of its token."""
    result = await db.execute(
        "INSERT INTO screen_link (meeting_id, token_hash, created_by, created_at, revoked_at)"
        " VALUES (?, ?, ?, ?, NULL)",
        (meeting_id, token_hash, user_id, now),
    )
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new screen link's id")
    return ScreenLink(int(result.lastrowid), meeting_id, user_id, now, None)


async def link_by_hash(ex: Executor, token_hash: str) -> ScreenLink | None:
    """The link whose token hashes to `token_hash` (revoked ones too), or None."""
    row = await ex.fetchone(
        f"SELECT {_LINK_COLUMNS} FROM screen_link WHERE token_hash = ?", (token_hash,)
    )
    return _link(row) if row else None


async def list_screen_links(ex: Executor, meeting_id: int) -> list[ScreenLink]:
    """The meeting's links that still work, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_LINK_COLUMNS} FROM screen_link"
        " WHERE meeting_id = ? AND revoked_at IS NULL ORDER BY id",
        (meeting_id,),
    )
    return [_link(r) for r in rows]


async def revoke_screen_link(ex: Executor, meeting_id: int, link_id: int, now: float) -> bool:
    """Revoke one link of the meeting; False when it is unknown there or already revoked."""
    result = await ex.execute(
        "UPDATE screen_link SET revoked_at = ? WHERE id = ? AND meeting_id = ?"
        " AND revoked_at IS NULL",
        (now, link_id, meeting_id),
    )
    return result.rowcount > 0


async def link_active(ex: Executor, link_id: int) -> bool:
    """True while the link exists and is not revoked."""
    found = await ex.fetchval(
        "SELECT 1 FROM screen_link WHERE id = ? AND revoked_at IS NULL", (link_id,)
    )
    return found is not None
