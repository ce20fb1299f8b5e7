"""Start-up: risky settings are warned about (ops F10); start and exit keep the log format (F9)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.settings import Settings
from hub.startup_checks import warn_risky_settings
from tests.cluster import ADMIN_TOKEN, ROOT, SECRET_KEY, SIM_CREDENTIALS, http_json
from tests.servers import free_port

PRODUCTION = {
    "public_url": "https://hub.example.com",
    "redis_url": "redis://10.0.0.7:6379/0",
    "database_url": "mysql://hub:pw@10.0.0.6:3306/hub",
    "processes": 3,
}


def warnings_for(
    caplog: pytest.LogCaptureFixture, make_settings: Callable[..., Settings], **changes: object
) -> list[str]:
    """The WARNING lines the start-up checks log for production settings with `changes`."""
    settings = make_settings(**{**PRODUCTION, **changes})
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hub.startup"):
        count = warn_risky_settings(settings)
    lines = [r.getMessage() for r in caplog.records if r.name == "hub.startup"]
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "hub.startup")
    assert count == len(lines)
    return lines


def test_a_production_configuration_starts_without_warnings(
    caplog: pytest.LogCaptureFixture, make_settings: Callable[..., Settings]
) -> None:
    assert warnings_for(caplog, make_settings) == []
    assert warnings_for(caplog, make_settings, processes=1, redis_url=None) == []


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        # HUB_PUBLIC_URL unset: it defaults to the process's own address.
        ({"public_url": "http://127.0.0.1:8080", "port": 8080}, ["HUB_PUBLIC_URL"]),
        (
            {"public_url": "http://10.0.0.5:8001", "host": "10.0.0.5", "port": 8001},
            ["HUB_PUBLIC_URL"],
        ),
        ({"public_url": "http://localhost"}, ["HUB_PUBLIC_URL"]),
        ({"public_url": "https://hub.example.com/hub"}, ["HUB_PUBLIC_URL"]),
        ({"public_url": "https://hub.example.com/?x=1"}, ["HUB_PUBLIC_URL"]),
        ({"redis_url": None}, ["HUB_PROCESSES", "HUB_REDIS_URL"]),
        ({"database_url": "sqlite:///var/hub.db"}, ["HUB_PROCESSES", "SQLite"]),
    ],
)
def test_each_risky_setting_gets_one_warning_naming_it(
    caplog: pytest.LogCaptureFixture,
    make_settings: Callable[..., Settings],
    changes: dict[str, object],
    names: list[str],
) -> None:
    (line,) = warnings_for(caplog, make_settings, **changes)
    for name in names:
        assert name in line


def test_demo_mode_on_its_own_address_is_not_warned_about(
    caplog: pytest.LogCaptureFixture, make_settings: Callable[..., Settings]
) -> None:
    local = {"public_url": "http://127.0.0.1:8080", "port": 8080, "processes": 1}
    assert warnings_for(caplog, make_settings, demo=True, **local) == []


# --- The real process: what it writes from start to exit ------------------------------------


def hub_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    """A production-like environment (not demo) that needs no server but the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(SIM_CREDENTIALS)
    env.update(
        {
            "HUB_PORT": str(port),
            "HUB_DATA_DIR": str(tmp_path),
            "HUB_SECRET_KEY": SECRET_KEY,
            "HUB_ADMIN_TOKEN": ADMIN_TOKEN,
            "HUB_DEMO": "0",
            "HUB_LIVE_SYNC": "0",
            "HUB_WECHAT_API_BASE": "http://127.0.0.1:9",
            "HUB_WECOM_API_BASE": "http://127.0.0.1:9",
            "HUB_WECOM_OAUTH_BASE": "http://127.0.0.1:9",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def test_json_logs_stay_json_from_start_to_exit_with_the_warnings(tmp_path: Path) -> None:
    port = free_port()
    env = hub_env(
        tmp_path,
        port,
        HUB_LOG_FORMAT="json",
        HUB_PROCESSES="3",
        HUB_PUBLIC_URL="https://hub.example.com/hub/",
    )
    proc = subprocess.Popen(
        [sys.executable, "run.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "hub did not start"
            try:
                if http_json(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert stdout == ""
    lines = [json.loads(line) for line in stderr.splitlines()]  # every line is one JSON object
    messages = [(line["level"], line["logger"], line["message"]) for line in lines]
    warnings = [m for level, logger, m in messages if (level, logger) == ("WARNING", "hub.startup")]
    assert len(warnings) == 3, messages  # a path; 3 processes on SQLite; 3 without Redis
    assert any("path" in w and "HUB_PUBLIC_URL" in w for w in warnings)
    assert any("HUB_REDIS_URL is unset" in w for w in warnings)
    assert any("SQLite" in w for w in warnings)
    assert ("INFO", "hub", f"serving on http://127.0.0.1:{port}") in messages


@pytest.mark.mysql
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_unreachable_redis_is_one_line_and_nothing_after_it(
    tmp_path: Path, mysql_url: str, fmt: str
) -> None:
    """The database pool opened before Redis failed is closed: no aiomysql traceback at exit."""
    env = hub_env(
        tmp_path,
        free_port(),
        HUB_LOG_FORMAT=fmt,
        HUB_LOG_LEVEL="WARNING",
        HUB_DATABASE_URL=mysql_url,
        HUB_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        HUB_PUBLIC_URL="https://hub.example.com",
    )
    out = subprocess.run(
        [sys.executable, "run.py", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stdout == ""
    (line,) = out.stderr.splitlines()
    if fmt == "json":
        record = json.loads(line)
        assert record["level"] == "ERROR"
        assert record["message"].startswith("HUB_REDIS_URL: ")
    else:
        assert line.startswith("hub: HUB_REDIS_URL: ")
