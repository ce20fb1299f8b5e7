"""The storage interface every aggregate module codes against, and its errors.

SQL is written once with `?` placeholders; the MySQL backend rewrites them to `%s`.
Times are stored as unix seconds (DOUBLE / REAL) so both dialects read back the same type.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

Row = dict[str, Any]
Params = Sequence[Any]


class StorageError(Exception):
    """Base for storage failures that callers may want to tell apart."""


class IntegrityViolation(StorageError):
    """A unique key or other constraint refused the write (both dialects map to this)."""


class DatabaseUnavailable(StorageError):
    """The database could not be reached or the connection dropped mid-statement."""


class DatabaseBusy(StorageError):
    """A deadlock or lock-wait timeout rolled the statement back; the caller may try again."""


@dataclass(frozen=True)
class ExecResult:
    """What a write reports back."""

    rowcount: int
    lastrowid: int | None


class Executor(Protocol):
    """Runs SQL: the database itself (autocommit) or an open transaction."""

    dialect: str

    async def execute(self, sql: str, params: Params = ()) -> ExecResult:
        """Run one statement."""

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        """Run one statement for many parameter rows; returns the rows affected."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows as dicts."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row, or None."""

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""


class Database(Executor, Protocol):
    """A connection pool (MySQL) or a single serialized connection (SQLite)."""

    statements: int

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """A transaction: committed when the block exits, rolled back when it raises."""

    async def ping(self) -> None:
        """Raise DatabaseUnavailable unless a trivial query succeeds."""

    async def close(self) -> None:
        """Close every connection."""


class RowReader:
    """`fetchone` and `fetchval` derived from `fetchall`, shared by every executor."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows as dicts (each backend implements it)."""
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return next(iter(row.values())) if row else None


T = TypeVar("T")
BUSY_ATTEMPTS = 3


async def again_when_busy(transaction: Callable[[], Awaitable[T]]) -> T:
    """Run `transaction` (one whole transaction, nothing sent outside it), and run it again when
    the database rolled it back (DatabaseBusy): BUSY_ATTEMPTS runs at most.

    InnoDB breaks a lock cycle by rolling one transaction back whole, so running it again is
    safe and is what InnoDB's manual asks of applications. A short random pause first keeps
    the same two transactions from meeting again. The last refusal propagates (503 `busy`).
    """
    for attempt in range(BUSY_ATTEMPTS - 1):
        try:
            return await transaction()
        except DatabaseBusy:
            await asyncio.sleep(random.uniform(0.0, 0.02 * 2**attempt))
    return await transaction()


def placeholders(n: int) -> str:
    """`?, ?, ?` for an IN list or a VALUES tuple of n items."""
    if n < 1:
        raise ValueError("need at least one placeholder")
    return ", ".join("?" * n)
