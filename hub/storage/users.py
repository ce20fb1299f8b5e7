"""People who signed in (`app_user`): lookups and the WeCom login upsert (others: identities)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.storage.database import Executor, IntegrityViolation, Row, placeholders

_COLUMNS = "id, userid, name, avatar, needs_name, provider"
# How long a name WeCom gave stays fresh: sign-ins within a day ask user/get no more.
NAME_REFRESH_SECONDS = 86_400.0


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in person; `userid` is their WeCom account, `name` what others see.

    Slotted: every open meeting socket holds its person's (hub.realtime.rooms.Client.user).
    """

    id: int
    userid: str
    name: str
    avatar: str
    # WeCom gave no name and the user has not picked one: the meeting page asks once.
    needs_name: bool = False
    # Where they signed in from: wecom, miniprogram, wechat (公众号) or guest (issue 21).
    provider: str = "wecom"

    def as_json(self) -> dict[str, Any]:
        """The public user payload."""
        return {"id": self.id, "userid": self.userid, "name": self.name, "avatar": self.avatar}


def user_from_row(row: Row, prefix: str = "") -> User:
    """A User from a row whose columns may carry a prefix (for joins)."""
    return User(
        id=int(row[f"{prefix}id"]),
        userid=str(row[f"{prefix}userid"]),
        name=str(row[f"{prefix}name"]),
        avatar=str(row[f"{prefix}avatar"] or ""),
        # Joins that do not select it read people whose prompt does not matter there.
        needs_name=bool(row.get(f"{prefix}needs_name") or 0),
        provider=str(row.get(f"{prefix}provider") or "wecom"),
    )


async def get_user(ex: Executor, user_id: int) -> User | None:
    """The user with this id, or None."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM app_user WHERE id = ?", (user_id,))
    return user_from_row(row) if row else None


async def get_users(ex: Executor, ids: Iterable[int]) -> dict[int, User]:
    """The users with these ids, by id (unknown ids are left out)."""
    wanted = sorted(set(ids))
    found: dict[int, User] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = await ex.fetchall(
            f"SELECT {_COLUMNS} FROM app_user WHERE id IN ({placeholders(len(part))})", part
        )
        for row in rows:
            user = user_from_row(row)
            found[user.id] = user
    return found


async def get_user_by_userid(ex: Executor, userid: str) -> User | None:
    """The user with this WeCom userid, or None."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM app_user WHERE userid = ?", (userid,))
    return user_from_row(row) if row else None


async def upsert_login(ex: Executor, userid: str, avatar: str | None, now: float) -> User:
    """Create the user on first login, else refresh avatar (None keeps it) and login time.

    A new user is named after their userid until WeCom's user/get gives a name
    (`record_wecom_name`) or they pick one themselves (`name_set`), which nothing overwrites.
    """
    if await get_user_by_userid(ex, userid) is None:
        # The same person may finish two logins at once: the other insert winning is fine.
        with contextlib.suppress(IntegrityViolation):
            await ex.execute(
                "INSERT INTO app_user (userid, name, avatar, name_set, created_at, last_login_at)"
                " VALUES (?, ?, ?, 0, ?, ?)",
                (userid, userid[:100], avatar or "", now, now),
            )
    # No rowcount check: MySQL reports 0 rows for an UPDATE that changes nothing.
    await ex.execute(
        "UPDATE app_user SET avatar = COALESCE(?, avatar), last_login_at = ? WHERE userid = ?",
        (avatar, now, userid),
    )
    user = await get_user_by_userid(ex, userid)
    if user is None:  # pragma: no cover - the row was written just above
        raise LookupError(f"user {userid!r} vanished after upsert")
    return user


async def set_name(ex: Executor, user_id: int, name: str) -> User | None:
    """Set the display name a user chose; later logins keep it."""
    await ex.execute(
        "UPDATE app_user SET name = ?, name_set = 1, needs_name = 0 WHERE id = ?", (name, user_id)
    )
    return await get_user(ex, user_id)


async def wecom_name_due(ex: Executor, user_id: int, now: float) -> bool:
    """True when sign-in should ask WeCom for the name: never chosen by the user, and not
    asked within the last day."""
    row = await ex.fetchone(
        "SELECT name_set, name_checked_at FROM app_user WHERE id = ?", (user_id,)
    )
    if row is None or int(row["name_set"]):
        return False
    checked = row["name_checked_at"]
    return checked is None or now - float(checked) >= NAME_REFRESH_SECONDS


async def record_wecom_name(ex: Executor, user_id: int, name: str | None, now: float) -> None:
    """Store the name WeCom gave (None: it refused or gave none, so the user needs one),
    unless the user picked a name meanwhile."""
    if name:
        await ex.execute(
            "UPDATE app_user SET name = ?, needs_name = 0, name_checked_at = ?"
            " WHERE id = ? AND name_set = 0",
            (name[:100], now, user_id),
        )
    else:
        await ex.execute(
            # Someone WeCom named before keeps that name; only a userid-named user is asked.
            "UPDATE app_user SET name_checked_at = ?,"
            " needs_name = CASE WHEN name = userid THEN 1 ELSE needs_name END"
            " WHERE id = ? AND name_set = 0",
            (now, user_id),
        )
