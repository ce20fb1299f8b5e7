"""Export cells every kind shares: times, yes/no, people, and user text Excel never runs.

Kinds build rows without knowing the reader: a time is a `TimeCell` and a yes/no a `FlagCell`,
which the export (CSV or workbook) writes in the meeting's time zone and the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.clock import iso_ts
from hub.storage.database import Executor
from hub.storage.users import User, get_users

# A cell starting with one of these is a formula to Excel: user text must never run as one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TimeCell(str):
    """A moment: ISO 8601 UTC as text (what older readers of rows saw), with `ts` for exports."""

    ts: float

    def __new__(cls, ts: float) -> TimeCell:
        """The cell of Unix time `ts`."""
        cell = super().__new__(cls, iso_ts(ts) or "")
        cell.ts = ts
        return cell


class FlagCell(int):
    """A yes/no: 1 or 0 as a number, written as a word (是/否, yes/no) by exports."""


def iso(ts: float | None) -> str:
    """A time cell, or empty."""
    return "" if ts is None else TimeCell(float(ts))


def flag(value: bool) -> FlagCell:
    """A yes/no cell."""
    return FlagCell(1 if value else 0)


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
