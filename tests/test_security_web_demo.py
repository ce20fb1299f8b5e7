"""Demo mode prints only an admin token it generated itself, never a configured one (ops F5)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGURED = "configured-real-admin-token-0123456789"


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def demo_banner(tmp_path: Path, **env: str) -> str:
    """Start `run.py serve` in demo mode and return its first line of output, then stop it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    base.update(
        HUB_DEMO="1",
        HUB_DATA_DIR=str(tmp_path / "data"),
        HUB_PORT=str(free_port()),
        HUB_SIMULATOR_PORT=str(free_port()),
        HUB_LOG_LEVEL="WARNING",
        **env,
    )
    with subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "serve"],
        cwd=tmp_path,  # no .env here
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            return proc.stdout.readline()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_a_configured_admin_token_is_never_printed(tmp_path: Path) -> None:
    line = demo_banner(tmp_path, HUB_ADMIN_TOKEN=CONFIGURED)
    assert "demo mode" in line
    assert CONFIGURED not in line
    assert "configured HUB_ADMIN_TOKEN" in line


def test_a_generated_admin_token_is_printed_with_where_it_is_kept(tmp_path: Path) -> None:
    line = demo_banner(tmp_path)
    kept = (tmp_path / "data" / "admin_token").read_text().strip()
    assert len(kept) >= 16
    assert f"Admin token: {kept} (kept in " in line
