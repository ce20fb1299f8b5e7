"""README's MariaDB snippet works as written on a fresh server (ops F8)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster import ROOT
from tests.servers import MariaDB, have_mariadb

pytestmark = [pytest.mark.slow, pytest.mark.mysql]

README = ROOT / "README.md"


def snippet() -> str:
    """The shell block of README's "Running on MariaDB and Redis" section."""
    section = README.read_text().partition("\n## Running on MariaDB and Redis\n")[2]
    return section.partition("```sh\n")[2].partition("```")[0]


@pytest.fixture
def fresh_mariadb() -> Iterator[MariaDB]:
    """A fresh server with the anonymous accounts older installs create (the trial's server)."""
    if not have_mariadb():
        pytest.fail("MariaDB is required; run scripts/test")
    server = MariaDB().start()
    server.sql("CREATE USER IF NOT EXISTS ''@'localhost'; CREATE USER IF NOT EXISTS ''@'127.0.0.1'")
    yield server
    server.destroy()


def test_the_snippet_uses_python3_and_host_scoped_accounts() -> None:
    text = snippet()
    assert not re.search(r"(^|[\s(])python -c", text), "a fresh Debian box has no `python`"
    assert "@'%'" not in text


def test_the_snippet_creates_an_account_that_can_log_in_and_migrate(
    fresh_mariadb: MariaDB, tmp_path: Path
) -> None:
    text = snippet()
    # The account name is the test server's own `hub` otherwise; the SQL is the README's.
    sql = re.search(r'mariadb -e "(.*?)"', text, re.S)
    assert sql is not None
    fresh_mariadb.sql(sql.group(1).replace("'hub'@", "'readmehub'@"))
    exports = [
        line.replace("mysql://hub:", "mysql://readmehub:").replace(
            ":3306/", f":{fresh_mariadb.port}/"
        )
        for line in text.splitlines()
        if line.startswith("export HUB_") and "..." not in line and "REDIS" not in line
    ]
    script = "\n".join([*exports, "env | grep '^HUB_' | sort"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    shown = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    values = dict(line.split("=", 1) for line in shown.stdout.splitlines())
    assert len(values["HUB_SECRET_KEY"]) >= 32 and len(values["HUB_ADMIN_TOKEN"]) >= 16
    migrated = subprocess.run(
        [sys.executable, "run.py", "migrate"],
        cwd=ROOT,
        env={**env, **values, "HUB_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "applied" in migrated.stderr
