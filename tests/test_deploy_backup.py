"""deploy/backup.sh and deploy/restore-drill.sh as shipped, on MariaDB (ops F4).

The accounts come from docs/deploy.md's SQL (names made unique to this test), the dump is
restored into a fresh database, and every table must hold the same rows as the source.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.storage import open_database
from hub.storage.chat import add_message
from hub.storage.meetings import create_meeting
from hub.storage.migrations import migrate
from hub.storage.users import set_name, upsert_login
from tests.cluster import ROOT
from tests.servers import MariaDB

pytestmark = [pytest.mark.mysql]

BACKUP = ROOT / "deploy" / "backup.sh"
DRILL = ROOT / "deploy" / "restore-drill.sh"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
# Text a dump must carry through intact: quotes, backslashes, newlines, CJK, emoji, NUL-free.
TRICKY = ["它说：\"你好\" 'hi'", "back\\slash; DROP TABLE x; --", "two\nlines\r\n", "🎉 emoji 𠀀"]


@dataclass
class Source:
    """A migrated database with rows in several tables, and a backup account for it."""

    name: str
    account: str
    password: str


def documented_backup_grants() -> list[str]:
    """The docs' SQL statements that create and grant the `backup` account."""
    text = DEPLOY_DOC.read_text()
    block = text.partition("```sql\n")[2].partition("```")[0]
    statements = [s.strip() for s in block.split(";") if "'backup'" in s]
    assert len(statements) == 2, block
    return statements


@pytest.fixture
async def source(mariadb: MariaDB) -> AsyncIterator[Source]:
    """A database filled through hub's storage, and the documented backup account on it."""
    name = f"hub_bk_{secrets.token_hex(4)}"
    account = f"backup_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    mariadb.sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    for statement in documented_backup_grants():
        statement = statement.replace("'backup'", f"'{account}'")
        statement = statement.replace("ON hub.*", f"ON {name}.*")
        statement = re.sub(r"IDENTIFIED BY '[^']*'", f"IDENTIFIED BY '{password}'", statement)
        mariadb.sql(statement)
    db = await open_database(mariadb.url(name))
    try:
        await migrate(db)
        now = 1_700_000_000.0
        users = [await upsert_login(db, f"user{i}", None, now + i) for i in range(4)]
        for user, text in zip(users, TRICKY, strict=True):
            await set_name(db, user.id, text[:40])
        meeting = await create_meeting(db, 12345, TRICKY[0], users[0].id, now)
        for i in range(60):
            user = users[i % len(users)]
            await add_message(db, meeting.id, user.id, f"c{i}", TRICKY[i % len(TRICKY)], now + i)
        await db.execute(
            "INSERT INTO app_meta (name, value, updated_at) VALUES (?, ?, ?)",
            ("backup-test", "\n".join(TRICKY), now),
        )
    finally:
        await db.close()
    yield Source(name, account, password)
    mariadb.sql(f"DROP DATABASE IF EXISTS {name}; DROP USER IF EXISTS '{account}'@'localhost'")


def option_file(path: Path, mariadb: MariaDB, user: str, password: str | None) -> Path:
    """A [client] option file like /etc/hub/backup.cnf, on the test server's socket."""
    lines = ["[client]", f"socket={mariadb.socket}", f"user={user}"]
    if password is not None:
        lines.append(f"password={password}")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def run(script: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A shipped script, as cron would run it (no terminal), with `env` added."""
    full = {**os.environ, "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/sbin", **env}
    return subprocess.run(
        ["bash", str(script), *args], env=full, capture_output=True, text=True, timeout=120
    )


def table_rows(mariadb: MariaDB, database: str) -> dict[str, tuple[str, str]]:
    """Every table's row count and content checksum."""
    names = mariadb.sql(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = '{database}' ORDER BY table_name"
    ).split()
    out = {}
    for table in names:
        count = mariadb.sql(f"SELECT COUNT(*) FROM `{database}`.`{table}`").strip()
        checksum = mariadb.sql(f"CHECKSUM TABLE `{database}`.`{table}`").split()[-1]
        out[table] = (count, checksum)
    return out


async def test_the_backup_restores_into_a_fresh_database_with_the_same_rows(
    tmp_path: Path, mariadb: MariaDB, source: Source
) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    cnf = option_file(tmp_path / "backup.cnf", mariadb, source.account, source.password)
    done = run(
        BACKUP,
        HUB_BACKUP_CNF=str(cnf),
        HUB_BACKUP_DIR=str(backups),
        HUB_BACKUP_DATABASE=source.name,
    )
    assert done.returncode == 0, done.stderr
    (dump,) = backups.iterdir()
    assert re.fullmatch(rf"{source.name}-\d{{4}}-\d\d-\d\d\.sql\.zst", dump.name)
    assert dump.stat().st_size > 1000 and str(dump) in done.stdout

    scratch = f"hub_rs_{secrets.token_hex(4)}"
    admin = option_file(tmp_path / "admin.cnf", mariadb, "root", None)
    try:
        drill = run(DRILL, str(dump), scratch, HUB_RESTORE_CNF=str(admin))
        assert drill.returncode == 0, drill.stderr
        expected = table_rows(mariadb, source.name)
        assert int(expected["chat_message"][0]) == 60 and int(expected["app_user"][0]) == 4
        assert table_rows(mariadb, scratch) == expected
        # The drill prints each table and its count, for the operator to compare.
        printed = dict(line.split("\t") for line in drill.stdout.splitlines())
        assert printed == {table: count for table, (count, _) in expected.items()}
        # The copy is at the release's schema: migrate would apply nothing.
        copy = await open_database(mariadb.url(scratch))
        try:
            assert await migrate(copy) == []
            text = await copy.fetchval("SELECT value FROM app_meta WHERE name = 'backup-test'")
            assert text == "\n".join(TRICKY)
        finally:
            await copy.close()
    finally:
        mariadb.sql(f"DROP DATABASE IF EXISTS {scratch}")


@pytest.mark.parametrize("failure", ["wrong password", "no such database"])
def test_a_failing_dump_exits_non_zero_and_leaves_no_file(
    tmp_path: Path, mariadb: MariaDB, source: Source, failure: str
) -> None:
    """The documented pipeline used to exit 0 with a 13-byte file (no pipefail)."""
    backups = tmp_path / "backups"
    backups.mkdir()
    password = "wrong" if failure == "wrong password" else source.password
    database = source.name + "_missing" if failure == "no such database" else source.name
    cnf = option_file(tmp_path / "backup.cnf", mariadb, source.account, password)
    done = run(
        BACKUP, HUB_BACKUP_CNF=str(cnf), HUB_BACKUP_DIR=str(backups), HUB_BACKUP_DATABASE=database
    )
    assert done.returncode != 0
    assert list(backups.iterdir()) == []  # no dump, and no partial file left behind
    assert done.stderr.strip()


def test_the_drill_refuses_to_overwrite_the_live_database(tmp_path: Path) -> None:
    done = run(DRILL, str(tmp_path / "any.sql.zst"), "hub")
    assert done.returncode == 2 and "scratch database" in done.stderr
