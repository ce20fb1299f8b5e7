"""deploy/hub@.service passes `systemd-analyze verify` once installed where docs/deploy.md says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster import ROOT

UNIT = ROOT / "deploy" / "hub@.service"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"


def test_the_docs_show_the_shipped_unit() -> None:
    assert UNIT.read_text().rstrip() in DEPLOY_DOC.read_text()


def test_the_unit_verifies_with_the_install_paths_in_place(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    env_file = tmp_path / "hub.env"
    env_file.write_text("HUB_PROCESSES=3\n")
    # Only the paths the first install creates are moved to ones that exist here.
    paths = {
        "/opt/hub/venv/bin/python": sys.executable,
        "WorkingDirectory=/opt/hub": f"WorkingDirectory={ROOT}",
        "/etc/hub/hub.env": str(env_file),
        "ReadWritePaths=/var/lib/hub": f"ReadWritePaths={tmp_path}",
    }
    text = UNIT.read_text()
    for old, new in paths.items():
        assert old in text, old
        text = text.replace(old, new)
    instance = tmp_path / "hub@8001.service"
    instance.write_text(text)
    verified = subprocess.run(
        [analyze, "verify", str(instance)], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    assert "hub@8001" not in verified.stderr, verified.stderr  # no warning about the unit
