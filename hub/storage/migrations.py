"""Numbered SQL migrations per dialect, applied at start-up and recorded in `schema_migrations`."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from hub.storage.database import Database, Executor

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at DOUBLE NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(sql: str) -> tuple[str, ...]:
    """Split a file on `;` at line ends, dropping `--` comment lines."""
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    parts = re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)
    return tuple(p.strip() for p in parts if p.strip())


def load_migrations(dialect: str, directory: Path | None = None) -> list[Migration]:
    """The migrations for `dialect`, in version order; duplicate numbers are an error."""
    folder = (directory or MIGRATIONS_DIR) / dialect
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be NNNN_name.sql: {path.name}")
        version = int(match.group(1))
        if version in found:
            raise ValueError(f"two migrations numbered {version:04d} in {folder}")
        found[version] = Migration(version, match.group(2), split_statements(path.read_text()))
    return [found[v] for v in sorted(found)]


async def _applied(ex: Executor) -> set[int]:
    rows = await ex.fetchall("SELECT version FROM schema_migrations")
    return {int(r["version"]) for r in rows}


async def migrate(db: Database, directory: Path | None = None) -> list[int]:
    """Apply pending migrations once; returns the versions applied now.

    Safe with several processes starting together: MySQL serializes on a named lock,
    SQLite on its write lock (each file runs inside one IMMEDIATE transaction).
    """
    await db.execute(_VERSION_TABLE)
    pending = load_migrations(db.dialect, directory)
    applied_now: list[int] = []
    if db.dialect == "mysql":
        async with db.transaction() as tx:
            # GET_LOCK is per connection: hold it on this transaction's connection throughout.
            await tx.fetchval("SELECT GET_LOCK('hub_migrations', 60)")
            try:
                done = await _applied(tx)
                for mig in pending:
                    if mig.version in done:
                        continue
                    # MySQL DDL commits implicitly; a file is recorded right after it runs.
                    for stmt in mig.statements:
                        await tx.execute(stmt)
                    await _record(tx, mig)
                    applied_now.append(mig.version)
            finally:
                await tx.fetchval("SELECT RELEASE_LOCK('hub_migrations')")
    else:
        for mig in pending:
            async with db.transaction() as tx:
                if mig.version in await _applied(tx):
                    continue
                for stmt in mig.statements:
                    await tx.execute(stmt)
                await _record(tx, mig)
                applied_now.append(mig.version)
    for version in applied_now:
        log.info("applied migration %04d", version)
    return applied_now


async def _record(ex: Executor, mig: Migration) -> None:
    await ex.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (mig.version, mig.name, time.time()),
    )
