"""Signed-in sessions (`app_session`): one row per login, deleted on logout or revocation.

The cookie carries a random session id; only its SHA-256 is stored, so a copy of the table
cannot be turned back into cookies.
"""

from __future__ import annotations

import hashlib
import secrets

from hub.storage.database import Executor


def session_key(sid: str) -> str:
    """The stored form of a session id: its SHA-256, hex."""
    return hashlib.sha256(sid.encode("ascii", "replace")).hexdigest()


async def start_session(ex: Executor, user_id: int, now: float, max_age: float) -> str:
    """Record a new session for `user_id`; returns its id (for the cookie only).

    The user's sessions older than `max_age` go at the same time: their cookies have expired.
    """
    sid = secrets.token_urlsafe(32)
    await ex.execute(
        "DELETE FROM app_session WHERE user_id = ? AND created_at < ?", (user_id, now - max_age)
    )
    await ex.execute(
        "INSERT INTO app_session (id, user_id, created_at) VALUES (?, ?, ?)",
        (session_key(sid), user_id, now),
    )
    return sid


async def session_user(ex: Executor, sid: str, now: float, max_age: float) -> int | None:
    """The user of a live session id, or None when it was ended, revoked or has expired."""
    value = await ex.fetchval(
        "SELECT user_id FROM app_session WHERE id = ? AND created_at >= ?",
        (session_key(sid), now - max_age),
    )
    return None if value is None else int(value)


async def end_session(ex: Executor, sid: str) -> None:
    """Forget one session (logout)."""
    await ex.execute("DELETE FROM app_session WHERE id = ?", (session_key(sid),))


async def end_user_sessions(ex: Executor, user_id: int) -> int:
    """Forget every session of a user (sign out everywhere); returns how many there were."""
    result = await ex.execute("DELETE FROM app_session WHERE user_id = ?", (user_id,))
    return result.rowcount
