"""Dialect-aware SQL builders shared by the aggregate modules: batch upsert, insert-ignore."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from hub.storage.database import Executor, placeholders


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_sql(
    dialect: str, table: str, columns: Sequence[str], keys: Sequence[str], rows: int
) -> str:
    """One multi-row INSERT that updates every non-key column on a key conflict."""
    cols = ", ".join(columns)
    values = ", ".join([f"({placeholders(len(columns))})"] * rows)
    updates = [c for c in columns if c not in keys]
    if dialect == "mysql":
        if not updates:
            return f"INSERT IGNORE INTO {table} ({cols}) VALUES {values}"
        sets = ", ".join(f"{c} = VALUES({c})" for c in updates)
        return f"INSERT INTO {table} ({cols}) VALUES {values} ON DUPLICATE KEY UPDATE {sets}"
    conflict = ", ".join(keys)
    if not updates:
        return f"INSERT INTO {table} ({cols}) VALUES {values} ON CONFLICT ({conflict}) DO NOTHING"
    sets = ", ".join(f"{c} = excluded.{c}" for c in updates)
    # Skip rows whose values did not change, so an unchanged sync writes no pages.
    changed = " OR ".join(f"{table}.{c} IS NOT excluded.{c}" for c in updates)
    return (
        f"INSERT INTO {table} ({cols}) VALUES {values} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {sets} WHERE {changed}"
    )


async def upsert_many(
    ex: Executor,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    batch: int = 500,
) -> int:
    """Insert or update `rows` (dicts with the same keys) in batches; returns statements run."""
    if not rows:
        return 0
    columns = list(rows[0])
    statements = 0
    for part in chunks(rows, batch):
        sql = upsert_sql(ex.dialect, table, columns, keys, len(part))
        params = [row[c] for row in part for c in columns]
        await ex.execute(sql, params)
        statements += 1
    return statements


async def lock_row(tx: Executor, table: str, row_id: int) -> bool:
    """Inside a transaction: lock the row with this id for the rest of it; False when there is
    none. MariaDB takes the row's exclusive lock; SQLite's write transaction holds the database."""
    lock = " FOR UPDATE" if tx.dialect == "mysql" else ""
    return await tx.fetchval(f"SELECT 1 FROM {table} WHERE id = ?{lock}", (row_id,)) is not None


def insert_ignore_sql(dialect: str, table: str, columns: Sequence[str]) -> str:
    """A single-row INSERT that silently skips a duplicate key (check rowcount for 0)."""
    cols = ", ".join(columns)
    verb = "INSERT IGNORE" if dialect == "mysql" else "INSERT OR IGNORE"
    return f"{verb} INTO {table} ({cols}) VALUES ({placeholders(len(columns))})"
