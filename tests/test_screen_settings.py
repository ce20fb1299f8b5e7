"""The meeting settings registry: its validators, its refusals, and its table in the docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hub.errors import Invalid
from hub.meetings.settings import (
    SETTINGS,
    boolean,
    defaults,
    parse_changes,
    register,
    whole,
    words,
)

DASHBOARD = Path(__file__).resolve().parent.parent / "docs" / "dashboard.md"


def test_every_setting_is_in_the_docs_table_with_its_default() -> None:
    rows = dict(re.findall(r"^\s*\| `([a-z_]+)` \| `([^`]+)` \|", DASHBOARD.read_text(), re.M))
    assert set(rows) == set(SETTINGS)
    for name, key in SETTINGS.items():
        assert json.loads(rows[name]) == key.default, name


def test_changes_are_validated_and_unknown_keys_refused() -> None:
    assert parse_changes({}) == {}
    assert parse_changes({"auto_present": False}) == {"auto_present": False}
    with pytest.raises(Invalid) as refused:
        parse_changes({"auto_present": True, "autopresent": True})
    assert refused.value.code == "unknown_setting"
    for bad in ("yes", 1, None, [True]):
        with pytest.raises(Invalid):
            parse_changes({"auto_present": bad})
    assert set(defaults()) == set(SETTINGS)


def test_validators_for_later_keys() -> None:
    assert boolean({"x": True}, "x") is True
    assert whole(0, 60)({"x": 30}, "x") == 30
    for bad in (-1, 61, 1.5, True, "3"):
        with pytest.raises(Invalid):
            whole(0, 60)({"x": bad}, "x")
    assert words(3, 5)({"x": [" 广告 ", "spam"]}, "x") == ["广告", "spam"]
    for bad_list in (["a", "b", "c", "d"], ["toolong"], [""], "a", [1]):
        with pytest.raises(Invalid):
            words(3, 5)({"x": bad_list}, "x")
    with pytest.raises(ValueError, match="twice"):
        register("auto_present", True, boolean, "again")
