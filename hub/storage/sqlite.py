"""SQLite backend (aiosqlite, WAL): one connection, statements serialized by a lock."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from hub.storage.database import (
    DatabaseBusy,
    DatabaseUnavailable,
    ExecResult,
    Executor,
    IntegrityViolation,
    Params,
    Row,
    RowReader,
)


def _busy_or(exc: sqlite3.OperationalError) -> Exception:
    """Another process held the write lock past busy_timeout: the caller may try again."""
    return DatabaseBusy(str(exc)) if "locked" in str(exc) or "busy" in str(exc) else exc


class _Runner(RowReader):
    """Statement helpers over one aiosqlite connection (the lock is held by the caller)."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, owner: SQLiteDatabase) -> None:
        self._conn = conn
        self._owner = owner

    async def execute(self, sql: str, params: Params = ()) -> ExecResult:
        self._owner.statements += 1
        try:
            cur = await self._conn.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise IntegrityViolation(str(exc)) from exc
        except sqlite3.OperationalError as exc:
            raise _busy_or(exc) from exc
        try:
            return ExecResult(cur.rowcount, cur.lastrowid)
        finally:
            await cur.close()

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        self._owner.statements += 1
        try:
            cur = await self._conn.executemany(sql, [tuple(r) for r in rows])
        except sqlite3.IntegrityError as exc:
            raise IntegrityViolation(str(exc)) from exc
        except sqlite3.OperationalError as exc:
            raise _busy_or(exc) from exc
        try:
            return cur.rowcount
        finally:
            await cur.close()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        self._owner.statements += 1
        async with self._conn.execute(sql, tuple(params)) as cur:
            rows = await cur.fetchall()
        return [dict(r) for r in rows]


class SQLiteDatabase(RowReader):
    """The embedded default: good for one process; writes are serialized anyway in SQLite."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._runner = _Runner(conn, self)
        self.statements = 0

    @classmethod
    async def open(cls, path: str) -> SQLiteDatabase:
        """Open (creating the folder if needed) with WAL and foreign keys on."""
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"cannot open SQLite database {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        return cls(conn)

    async def execute(self, sql: str, params: Params = ()) -> ExecResult:
        async with self._lock:
            return await self._runner.execute(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        async with self._lock:
            return await self._runner.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock:
            return await self._runner.fetchall(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        # IMMEDIATE takes the write lock up front, so two processes on one file fail fast
        # (busy_timeout) instead of deadlocking on a read-to-write upgrade.
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._runner
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def ping(self) -> None:
        try:
            await self.fetchval("SELECT 1")
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    async def close(self) -> None:
        await self._conn.close()
