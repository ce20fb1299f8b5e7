"""CSV cells every export shares: times, people, and user text that Excel never runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.clock import iso_ts
from hub.storage.database import Executor
from hub.storage.users import User, get_users

# A cell starting with one of these is a formula to Excel: user text must never run as one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def iso(ts: float | None) -> str:
    """A time cell: ISO 8601 UTC, or empty."""
    return iso_ts(ts) or ""


def safe(text: str) -> str:
    """User text as a cell Excel shows verbatim (a leading quote defuses formulas)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def who(users: dict[int, User], user_id: int | None) -> list[str]:
    """The userid and name cells of a person, or two empty cells."""
    user = users.get(user_id) if user_id is not None else None
    return [safe(user.userid), safe(user.name)] if user else ["", ""]


async def users_of(ex: Executor, ids: Iterable[Any]) -> dict[int, User]:
    """The users named by these ids (None skipped), by id."""
    return await get_users(ex, {int(i) for i in ids if i is not None})
