"""Storage on both backends: migrations, transactions, upserts, constraint errors, restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.storage import (
    Database,
    DatabaseBusy,
    IntegrityViolation,
    again_when_busy,
    open_database,
)
from hub.storage.helpers import upsert_many
from hub.storage.migrations import load_migrations, migrate
from tests.servers import MariaDB


def _write_migrations(folder: Path, dialect: str) -> None:
    (folder / dialect).mkdir(parents=True)
    (folder / dialect / "0001_things.sql").write_text(
        "-- a table\n"
        "CREATE TABLE thing (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL);\n"
        "INSERT INTO thing (id, name) VALUES (1, 'seed');\n"
    )
    (folder / dialect / "0002_more.sql").write_text(
        "CREATE TABLE other (id INTEGER NOT NULL PRIMARY KEY);\n"
    )


async def test_migrations_apply_once_and_only_once(db_url: str, tmp_path: Path) -> None:
    db = await open_database(db_url)
    try:
        _write_migrations(tmp_path / "m", db.dialect)
        assert await migrate(db, tmp_path / "m") == [1, 2]
        assert await migrate(db, tmp_path / "m") == []
        assert await db.fetchval("SELECT COUNT(*) FROM thing") == 1
        versions = await db.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in versions] == [1, 2]
    finally:
        await db.close()


async def test_project_migrations_match_across_dialects() -> None:
    sqlite = [(m.version, m.name) for m in load_migrations("sqlite")]
    mysql = [(m.version, m.name) for m in load_migrations("mysql")]
    assert sqlite == mysql and sqlite


async def test_real_migrations_are_idempotent(db: Database) -> None:
    assert await migrate(db) == []


async def test_transaction_that_raises_leaves_nothing(db: Database) -> None:
    await db.execute("INSERT INTO app_meta (name, value, updated_at) VALUES ('keep', '1', 0)")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO app_meta (name, value, updated_at) VALUES ('a', '1', 0)")
            await tx.execute("UPDATE app_meta SET value = '2' WHERE name = 'keep'")
            raise RuntimeError("boom")
    rows = await db.fetchall("SELECT name, value FROM app_meta ORDER BY name")
    assert rows == [{"name": "keep", "value": "1"}]


async def test_constraint_errors_map_to_integrity_violation(db: Database) -> None:
    await db.execute("INSERT INTO app_meta (name, value, updated_at) VALUES ('k', 'v', 0)")
    with pytest.raises(IntegrityViolation):
        await db.execute("INSERT INTO app_meta (name, value, updated_at) VALUES ('k', 'w', 0)")
    with pytest.raises(IntegrityViolation):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO app_meta (name, value, updated_at) VALUES ('k', 'x', 0)")
    assert await db.fetchval("SELECT value FROM app_meta WHERE name = 'k'") == "v"


async def test_batch_upsert_inserts_then_updates(db: Database) -> None:
    rows = [{"name": f"n{i}", "value": str(i), "updated_at": 0.0} for i in range(1200)]
    async with db.transaction() as tx:
        assert await upsert_many(tx, "app_meta", rows, ["name"], batch=500) == 3
    changed = [{"name": "n5", "value": "five", "updated_at": 1.0}]
    async with db.transaction() as tx:
        await upsert_many(tx, "app_meta", changed, ["name"])
    assert await db.fetchval("SELECT COUNT(*) FROM app_meta") == 1200
    assert await db.fetchval("SELECT value FROM app_meta WHERE name = 'n5'") == "five"


async def test_percent_and_unicode_round_trip(db: Database) -> None:
    text = "100% 直播间 😀 'quoted' ?"
    await db.execute("INSERT INTO app_meta (name, value, updated_at) VALUES (?, ?, 0)", ("p", text))
    assert await db.fetchval("SELECT value FROM app_meta WHERE name = ?", ("p",)) == text
    like = await db.fetchval("SELECT COUNT(*) FROM app_meta WHERE value LIKE '100%'")
    assert like == 1


async def test_sqlite_uses_wal(tmp_path: Path) -> None:
    db = await open_database(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
    finally:
        await db.close()


@pytest.mark.slow
async def test_mysql_survives_a_server_restart(mariadb: MariaDB, mysql_url: str) -> None:
    db = await open_database(mysql_url)
    try:
        await migrate(db)
        await db.execute("INSERT INTO app_meta (name, value, updated_at) VALUES ('a', '1', 0)")
        # Warm several pooled connections so stale ones are in the pool after the restart.
        async with db.transaction() as t1, db.transaction() as t2:
            await t1.fetchval("SELECT 1")
            await t2.fetchval("SELECT 1")
        mariadb.restart()
        assert await db.fetchval("SELECT value FROM app_meta WHERE name = 'a'") == "1"
        await db.execute("INSERT INTO app_meta (name, value, updated_at) VALUES ('b', '2', 0)")
        async with db.transaction() as tx:
            assert await tx.fetchval("SELECT COUNT(*) FROM app_meta") == 2
    finally:
        await db.close()


@pytest.mark.slow
async def test_mysql_survives_killed_connections(mariadb: MariaDB, mysql_url: str) -> None:
    db = await open_database(mysql_url)
    try:
        await migrate(db)
        await db.fetchval("SELECT 1")
        ids = mariadb.sql("SELECT id FROM information_schema.processlist WHERE user = 'hub'")
        for conn_id in ids.split():
            mariadb.sql(f"KILL {conn_id}")
        assert await db.fetchval("SELECT COUNT(*) FROM app_meta") == 0
    finally:
        await db.close()


async def test_mysql_deadlock_is_database_busy(mysql_url: str) -> None:
    db = await open_database(mysql_url)
    try:
        await migrate(db)
        await db.execute(
            "INSERT INTO app_meta (name, value, updated_at) VALUES ('a', '0', 0), ('b', '0', 0)"
        )
        first_locked = asyncio.Event()
        second_locked = asyncio.Event()

        async def cross(mine: str, other: str, locked: asyncio.Event, wait: asyncio.Event) -> None:
            async with db.transaction() as tx:
                await tx.execute("UPDATE app_meta SET value = '1' WHERE name = ?", (mine,))
                locked.set()
                await wait.wait()
                await tx.execute("UPDATE app_meta SET value = '1' WHERE name = ?", (other,))

        results = await asyncio.gather(
            cross("a", "b", first_locked, second_locked),
            cross("b", "a", second_locked, first_locked),
            return_exceptions=True,
        )
        busy = [r for r in results if isinstance(r, DatabaseBusy)]
        assert len(busy) == 1, results
        assert [r for r in results if r is not busy[0]] == [None]
    finally:
        await db.close()


async def test_a_deadlock_victim_run_again_when_busy_lands_once(mysql_db: Database) -> None:
    """Two transactions that lock two rows in opposite orders: InnoDB rolls one back, and
    `again_when_busy` runs it again, so both land, each exactly once."""
    db = mysql_db
    await db.execute(
        "INSERT INTO app_meta (name, value, updated_at) VALUES ('a', '0', 0), ('b', '0', 0)"
    )
    both_hold = asyncio.Barrier(2)
    runs = {"a": 0, "b": 0}

    async def cross(mine: str, other: str) -> str:
        runs[mine] += 1
        async with db.transaction() as tx:
            bump = "UPDATE app_meta SET value = value + 1 WHERE name = ?"
            await tx.execute(bump, (mine,))
            if runs[mine] == 1:  # the first time, meet the other one holding its row
                await both_hold.wait()
            await tx.execute(bump, (other,))
        return mine

    done = await asyncio.gather(
        again_when_busy(lambda: cross("a", "b")), again_when_busy(lambda: cross("b", "a"))
    )
    assert list(done) == ["a", "b"]
    assert sorted(runs.values()) == [1, 2], "exactly one was the victim and ran again"
    values = await db.fetchall("SELECT value FROM app_meta WHERE name IN ('a', 'b')")
    assert [int(r["value"]) for r in values] == [2, 2], "each landed once, on both rows"
