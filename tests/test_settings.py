"""Settings: defaults, validation naming the variable, secrets out of repr, CLI failure lines."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.settings import ConfigError, Settings, declared, markdown_table, readme_defaults

ROOT = Path(__file__).resolve().parent.parent


def test_demo_defaults_generate_and_keep_secrets(tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path)}
    first = Settings.from_env(env, env_file=None)
    assert first.demo is True
    assert first.database_url == f"sqlite:///{tmp_path / 'hub.db'}"
    assert first.public_url == "http://127.0.0.1:8080"
    assert len(first.secret_key) >= 32 and len(first.admin_token) >= 16
    again = Settings.from_env(env, env_file=None)
    assert (again.secret_key, again.admin_token) == (first.secret_key, first.admin_token)


def test_repr_hides_secrets(tmp_path: Path) -> None:
    env = {
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_WECHAT_APPID": "wx123",
        "HUB_WECHAT_SECRET": "mp-secret-value-xyz",
        "HUB_SECRET_KEY": "k" * 40,
        "HUB_ADMIN_TOKEN": "admin-token-value-1234",
        "HUB_DATABASE_URL": "mysql://hub:dbpassword@db.local:3306/hub",
    }
    settings = Settings.from_env(env, env_file=None)
    text = repr(settings)
    assert settings.demo is False
    for secret in ("mp-secret-value-xyz", "k" * 40, "admin-token-value-1234", "dbpassword"):
        assert secret not in text


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"HUB_PORT": "eighty"}, "HUB_PORT"),
        ({"HUB_PORT": "70000"}, "HUB_PORT"),
        ({"HUB_DATABASE_URL": "postgres://x/y"}, "HUB_DATABASE_URL"),
        ({"HUB_DATABASE_URL": "mysql://hub@/"}, "HUB_DATABASE_URL"),
        ({"HUB_REDIS_URL": "http://x"}, "HUB_REDIS_URL"),
        ({"HUB_PUBLIC_URL": "ftp://x"}, "HUB_PUBLIC_URL"),
        ({"HUB_LIVE_DAILY_QUOTA": "0"}, "HUB_LIVE_DAILY_QUOTA"),
        ({"HUB_DEMO": "maybe"}, "HUB_DEMO"),
        ({"HUB_WECHAT_APPID": "wx1"}, "HUB_WECHAT_SECRET"),
        ({"HUB_WECHAT_APPID": "wx1", "HUB_WECHAT_SECRET": "s"}, "HUB_SECRET_KEY"),
        (
            {"HUB_WECHAT_APPID": "wx1", "HUB_WECHAT_SECRET": "s", "HUB_SECRET_KEY": "x" * 40},
            "HUB_ADMIN_TOKEN",
        ),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"HUB_DATA_DIR": str(tmp_path), **env}, env_file=None)
    assert names in str(info.value)
    assert "\n" not in str(info.value)


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HUB_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "run.py"], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60
    )


def test_bad_database_url_is_one_clear_line(tmp_path: Path) -> None:
    out = _run(tmp_path, HUB_DATABASE_URL="mysql://hub:pw-secret@127.0.0.1:1/nodb", HUB_PORT="0")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("hub: HUB_DATABASE_URL:")
    assert "Traceback" not in out.stderr and "pw-secret" not in out.stderr


def test_malformed_database_url_is_one_clear_line(tmp_path: Path) -> None:
    out = _run(tmp_path, HUB_DATABASE_URL="postgres://nope")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "HUB_DATABASE_URL" in out.stderr and "Traceback" not in out.stderr


def test_help_lists_subcommands() -> None:
    out = subprocess.run(
        [sys.executable, "run.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    for name in ("serve", "migrate"):
        assert name in out.stdout


# --- One declaration: the README's table and the defaults agree with it -----------------------

README = ROOT / "README.md"


def _readme_rows() -> dict[str, list[str]]:
    """The README's settings table: variable name -> its cells (default, meaning)."""
    rows: dict[str, list[str]] = {}
    text = README.read_text()
    section = text.partition("\n## Configuration\n")[2].partition("\n## ")[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].startswith("`HUB_"):
            name = cells[0].strip("`")
            assert name not in rows, f"{name} is listed twice in README.md"
            rows[name] = cells[1:]
    return rows


def test_readme_lists_every_setting_with_its_default_and_nothing_else() -> None:
    rows = _readme_rows()
    expected = readme_defaults()
    assert sorted(set(rows) - set(expected)) == [], "README.md lists undeclared settings"
    assert sorted(set(expected) - set(rows)) == [], "README.md misses declared settings"
    for name, default in expected.items():
        assert rows[name][0] == default, (name, rows[name][0], default)


def test_readme_table_is_the_generated_one() -> None:
    assert markdown_table() in README.read_text(), "run scripts/settings_table --write"


def test_every_field_is_declared_once_and_its_default_reads_back() -> None:
    names = [var.name for _, var in declared()]
    assert len(names) == len(set(names)) == len(dataclasses.fields(Settings))
    for f, var in declared():
        assert var.doc and "\n" not in var.doc, var.name
        if f.default is None or var.derive is not None or var.shown is not None:
            continue
        text = str(int(f.default)) if isinstance(f.default, bool) else str(f.default)
        assert var.read(var, text) == f.default, var.name
