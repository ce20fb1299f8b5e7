"""MySQL/MariaDB backend (aiomysql): a pool of utf8mb4 connections in autocommit mode."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql
import pymysql

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

log = logging.getLogger(__name__)

# Client-side codes for "the connection is gone": server restarted, killed or unreachable.
_LOST = {2003, 2006, 2013, 2014, 2055}
# Server codes for "rolled back, try again": deadlock, lock wait timeout.
_BUSY = {1205, 1213}


@functools.lru_cache(maxsize=1024)
def _to_format(sql: str) -> str:
    """`?` placeholders to pymysql's `%s`, escaping literal percent signs."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Cursor(aiomysql.Cursor):  # type: ignore[misc]
    async def _show_warnings(self, conn: Any) -> None:
        # Server notes such as "table already exists" (IF NOT EXISTS) or an INSERT IGNORE
        # duplicate are expected here; skip aiomysql's extra SHOW WARNINGS round trip.
        return None


class _DictCursor(aiomysql.DictCursor):  # type: ignore[misc]
    async def _show_warnings(self, conn: Any) -> None:
        return None


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, pymysql.err.IntegrityError):
        return IntegrityViolation(str(exc))
    if isinstance(exc, pymysql.err.OperationalError | pymysql.err.InterfaceError):
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        if code in _BUSY:
            return DatabaseBusy(f"MySQL rolled back the statement ({code})")
        if code in _LOST or isinstance(exc, pymysql.err.InterfaceError):
            return DatabaseUnavailable(f"MySQL connection lost ({code})")
    return exc


class _ConnRunner(RowReader):
    """Statement helpers over one checked-out connection."""

    dialect = "mysql"

    def __init__(self, conn: aiomysql.Connection, owner: MySQLDatabase) -> None:
        self._conn = conn
        self._owner = owner

    async def execute(self, sql: str, params: Params = ()) -> ExecResult:
        self._owner.statements += 1
        try:
            async with self._conn.cursor(_Cursor) as cur:
                await cur.execute(_to_format(sql), tuple(params))
                return ExecResult(cur.rowcount, cur.lastrowid)
        except (pymysql.err.MySQLError, OSError) as exc:
            raise _translate(exc) from exc

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        self._owner.statements += 1
        try:
            async with self._conn.cursor(_Cursor) as cur:
                await cur.executemany(_to_format(sql), [tuple(r) for r in rows])
                return int(cur.rowcount)
        except (pymysql.err.MySQLError, OSError) as exc:
            raise _translate(exc) from exc

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        self._owner.statements += 1
        try:
            async with self._conn.cursor(_DictCursor) as cur:
                await cur.execute(_to_format(sql), tuple(params))
                return list(await cur.fetchall())
        except (pymysql.err.MySQLError, OSError) as exc:
            raise _translate(exc) from exc


class MySQLDatabase(RowReader):
    """A pooled MySQL database. Plain statements run in autocommit, so reads are never stale."""

    dialect = "mysql"

    def __init__(self, pool: aiomysql.Pool) -> None:
        self._pool = pool
        self.statements = 0

    @classmethod
    async def open(cls, url: str, *, minsize: int = 1, maxsize: int = 10) -> MySQLDatabase:
        """Connect a pool to `mysql://user:password@host:port/db`."""
        parts = urlsplit(url)
        try:
            pool = await aiomysql.create_pool(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 3306,
                user=unquote(parts.username or "root"),
                password=unquote(parts.password or ""),
                db=parts.path.strip("/"),
                charset="utf8mb4",
                autocommit=True,
                minsize=minsize,
                maxsize=maxsize,
                # below MariaDB's default wait_timeout (8 h), so idle connections never go stale
                pool_recycle=3600,
                connect_timeout=5,
            )
        except (pymysql.err.MySQLError, OSError) as exc:
            host = f"{parts.hostname}:{parts.port or 3306}/{parts.path.strip('/')}"
            raise DatabaseUnavailable(f"cannot connect to MySQL at {host}: {exc.args}") from exc
        return cls(pool)

    @asynccontextmanager
    async def _runner(self) -> AsyncIterator[_ConnRunner]:
        try:
            conn = await self._pool.acquire()
        except (pymysql.err.MySQLError, OSError) as exc:
            raise DatabaseUnavailable(f"cannot connect to MySQL: {exc.args}") from exc
        try:
            yield _ConnRunner(conn, self)
        except DatabaseUnavailable:
            conn.close()  # a broken connection must never go back into the pool
            raise
        finally:
            self._pool.release(conn)

    async def execute(self, sql: str, params: Params = ()) -> ExecResult:
        async with self._runner() as run:
            return await run.execute(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        async with self._runner() as run:
            return await run.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        # A read is safe to retry once: the first attempt may have used a pooled
        # connection that died with a server restart.
        try:
            async with self._runner() as run:
                return await run.fetchall(sql, params)
        except DatabaseUnavailable:
            log.warning("MySQL connection lost; retrying the read once")
        async with self._runner() as run:
            return await run.fetchall(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        async with self._runner() as run:
            conn = run._conn
            try:
                await conn.begin()
            except (pymysql.err.MySQLError, OSError) as exc:
                raise _translate(exc) from exc
            try:
                yield run
            except BaseException:
                try:
                    await conn.rollback()
                except (pymysql.err.MySQLError, OSError):
                    conn.close()
                raise
            try:
                await conn.commit()
            except (pymysql.err.MySQLError, OSError) as exc:
                raise _translate(exc) from exc

    async def ping(self) -> None:
        await self.fetchval("SELECT 1")

    async def close(self) -> None:
        self._pool.close()
        await self._pool.wait_closed()
