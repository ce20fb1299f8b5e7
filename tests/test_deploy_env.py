"""deploy/hub.env.example, once its CHANGE-MEs are filled in, is a production configuration."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest

from hub.settings import Settings
from hub.startup_checks import warn_risky_settings
from tests.cluster import ROOT

EXAMPLE = ROOT / "deploy" / "hub.env.example"


def test_the_filled_in_example_starts_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = EXAMPLE.read_text()
    assert "CHANGE-ME" in text
    filled = tmp_path / "hub.env"
    filled.write_text(text.replace("CHANGE-ME", secrets.token_urlsafe(40)))
    settings = Settings.from_env({}, env_file=str(filled))
    assert settings.processes == 3 and settings.demo is False
    assert settings.database_url.startswith("mysql://") and settings.redis_url
    assert settings.log_format == "json"
    with caplog.at_level(logging.WARNING, logger="hub.startup"):
        assert warn_risky_settings(settings) == 0
    # KEY=value lines only: systemd's EnvironmentFile= takes no quotes or `export`.
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert name.startswith("HUB_") and name.isupper() and '"' not in value, line
