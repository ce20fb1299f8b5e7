"""Who may join a meeting besides its attendees (`meeting_invite`, `user_department`, the
meeting's `passcode` and `access` columns): the storage half of hub.meetings.access."""

from __future__ import annotations

from collections.abc import Sequence

from hub.storage.database import Executor, placeholders


async def set_meeting_access(
    ex: Executor, meeting_id: int, passcode: str | None, access: str
) -> None:
    """Change who may join a meeting (the passcode, None for none, and the access mode)."""
    await ex.execute(
        "UPDATE meeting SET passcode = ?, access = ? WHERE id = ?", (passcode, access, meeting_id)
    )


async def add_invites(ex: Executor, meeting_id: int, userids: Sequence[str], now: float) -> None:
    """Invite WeCom userids to a meeting (inviting twice changes nothing)."""
    verb = "INSERT IGNORE" if ex.dialect == "mysql" else "INSERT OR IGNORE"
    await ex.executemany(
        f"{verb} INTO meeting_invite (meeting_id, userid, invited_at) VALUES (?, ?, ?)",
        [(meeting_id, u, now) for u in userids],
    )


async def remove_invites(ex: Executor, meeting_id: int, userids: Sequence[str]) -> None:
    """Take invitations back (attendees who joined stay attendees)."""
    if userids:
        await ex.execute(
            f"DELETE FROM meeting_invite WHERE meeting_id = ?"
            f" AND userid IN ({placeholders(len(userids))})",
            [meeting_id, *userids],
        )


async def list_invites(ex: Executor, meeting_id: int) -> list[str]:
    """The userids invited to a meeting, in the order they were invited."""
    rows = await ex.fetchall(
        "SELECT userid FROM meeting_invite WHERE meeting_id = ? ORDER BY invited_at, userid",
        (meeting_id,),
    )
    return [str(r["userid"]) for r in rows]


async def is_invited(ex: Executor, meeting_id: int, userid: str) -> bool:
    """True when this WeCom userid is on the meeting's invitation list."""
    found = await ex.fetchval(
        "SELECT 1 FROM meeting_invite WHERE meeting_id = ? AND userid = ?", (meeting_id, userid)
    )
    return found is not None


async def set_user_departments(ex: Executor, user_id: int, departments: Sequence[int]) -> None:
    """Replace a user's WeCom departments (pass an open transaction: delete, then insert)."""
    await ex.execute("DELETE FROM user_department WHERE user_id = ?", (user_id,))
    if departments:
        await ex.executemany(
            "INSERT INTO user_department (user_id, department_id) VALUES (?, ?)",
            [(user_id, d) for d in sorted(set(departments))],
        )


async def share_a_department(ex: Executor, user_id: int, other_id: int) -> bool:
    """True when the two users have a WeCom department in common."""
    found = await ex.fetchval(
        "SELECT 1 FROM user_department a JOIN user_department b"
        " ON b.department_id = a.department_id WHERE a.user_id = ? AND b.user_id = ? LIMIT 1",
        (user_id, other_id),
    )
    return found is not None
