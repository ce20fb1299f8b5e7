"""The documented Procfile, run as written under honcho, keeps 3 web processes up (ops F1)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cluster import ADMIN_TOKEN, ROOT, SECRET_KEY, SIM_CREDENTIALS, http_json
from tests.servers import Redis

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]

PROCFILE = ROOT / "Procfile"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
PORTS = (8001, 8002, 8003)  # as written in the Procfile and nginx's upstream
# A Procfile line, as honcho and foreman read it: `name: command`; anything else is ignored.
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def test_the_docs_show_the_procfile_that_ships() -> None:
    """docs/deploy.md shows the file verbatim, so what is tested is what readers copy."""
    lines = [ln for ln in PROCFILE.read_text().splitlines() if ln and not ln.startswith("#")]
    assert "\n".join(lines) in DEPLOY_DOC.read_text()


def test_every_procfile_line_is_a_long_running_server() -> None:
    """A line that exits (a migration) makes the runner stop every other process."""
    processes = [PROCFILE_LINE.match(line) for line in PROCFILE.read_text().splitlines()]
    found = [(m.group(1), m.group(2)) for m in processes if m]
    assert len(found) == len(PORTS)
    for name, command in found:
        assert name.startswith("web"), name
        assert command.endswith("python run.py serve"), command


def env_file(path: Path, database_url: str, redis_url: str) -> Path:
    """An env file like docs/deploy.md's /etc/hub/hub.env, on the test's servers."""
    settings = {
        **SIM_CREDENTIALS,
        "HUB_PROCESSES": "3",
        "HUB_HOST": "127.0.0.1",
        "HUB_PUBLIC_URL": "https://hub.example.com",
        "HUB_DATABASE_URL": database_url,
        "HUB_REDIS_URL": redis_url,
        "HUB_REDIS_PREFIX": f"procfile{os.getpid()}:",
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_ADMIN_TOKEN": ADMIN_TOKEN,
        "HUB_DEMO": "0",
        "HUB_LIVE_SYNC": "0",
        "HUB_WECHAT_API_BASE": "http://127.0.0.1:9",
        "HUB_WECOM_API_BASE": "http://127.0.0.1:9",
        "HUB_WECOM_OAUTH_BASE": "http://127.0.0.1:9",
        "HUB_DATA_DIR": str(path.parent / "data"),
        "HUB_LOG_FORMAT": "json",
    }
    path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    return path


def port_is_free(port: int) -> bool:
    """Nobody listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def all_answer(path: str) -> bool:
    """Every process of the Procfile answers `path` with 200."""
    try:
        return all(http_json(f"http://127.0.0.1:{p}{path}", timeout=2)[0] == 200 for p in PORTS)
    except OSError:
        return False


def test_the_procfile_keeps_three_web_processes_serving(
    tmp_path: Path, mysql_url: str, redis_server: Redis
) -> None:
    taken = [p for p in PORTS if not port_is_free(p)]
    assert not taken, f"ports {taken} are in use; the Procfile's ports must be free"
    env_path = env_file(tmp_path / "hub.env", mysql_url, redis_server.url())
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    base_env["PYTHONUNBUFFERED"] = "1"

    # The release step, as the docs say: migrate once, before the runner starts.
    release = subprocess.run(
        [sys.executable, "-m", "honcho", "-e", str(env_path), "run", "python", "run.py", "migrate"],
        cwd=ROOT,
        env=base_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert release.returncode == 0, release.stderr
    assert "applied" in release.stderr and "migration(s)" in release.stderr

    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        runner = subprocess.Popen(
            [sys.executable, "-m", "honcho", "-f", str(PROCFILE), "-e", str(env_path), "start"],
            cwd=ROOT,
            env=base_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not all_answer("/readyz"):
            assert runner.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        # Long after any one-shot line would have exited and taken the others down with it.
        for _ in range(10):
            time.sleep(0.5)
            assert runner.poll() is None, log.read_text()
            assert all_answer("/healthz"), log.read_text()
        text = log.read_text()
        assert "stopped" not in text and "SIGTERM" not in text, text
        for name in ("web1", "web2", "web3"):
            assert f"{name}.1" in text and "serving on" in text
    finally:
        if runner.poll() is None:
            runner.send_signal(signal.SIGTERM)  # honcho passes it on: a graceful stop of each
            try:
                runner.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(runner.pid, signal.SIGKILL)
                runner.wait()
    for port in PORTS:
        assert port_is_free(port), f"port {port} still served after the runner stopped"
