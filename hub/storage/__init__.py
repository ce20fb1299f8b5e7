"""Storage: open the configured database, apply migrations, and the shared interface."""

from __future__ import annotations

from urllib.parse import urlsplit

from hub.storage.database import (
    Database,
    DatabaseBusy,
    DatabaseUnavailable,
    ExecResult,
    Executor,
    IntegrityViolation,
    Row,
    StorageError,
    again_when_busy,
    placeholders,
)

__all__ = [
    "Database",
    "DatabaseBusy",
    "DatabaseUnavailable",
    "ExecResult",
    "Executor",
    "IntegrityViolation",
    "Row",
    "StorageError",
    "again_when_busy",
    "open_database",
    "placeholders",
]


async def open_database(url: str) -> Database:
    """Open `sqlite:///path` or `mysql://user:pass@host:port/db`."""
    if url.startswith("sqlite:"):
        from hub.storage.sqlite import SQLiteDatabase

        parts = urlsplit(url)
        path = parts.path if not parts.netloc else parts.netloc + parts.path
        # sqlite:///var/hub.db is relative, sqlite:////abs/path is absolute
        path = path[1:]
        return await SQLiteDatabase.open(path or ":memory:")
    from hub.storage.mysql import MySQLDatabase

    return await MySQLDatabase.open(url)
