"""Meeting settings: a registry of keys, each with its default and validator, in one place.

A later feature adds its key here with one `register(...)` line (Q&A: `qa`, `slow_mode_s`,
`blocked_words`; guests: `guests`) and one row in docs/dashboard.md's table (a test compares them);
GET and PATCH /api/meetings/{number}/settings and storage follow the registry. Unknown keys are
refused, so a typo never silently does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.errors import bad_request
from hub.storage import Database
from hub.storage.meeting_settings import store_settings, stored_settings
from hub.validate import bool_field, int_field, text_field

Validator = Callable[[dict[str, Any], str], Any]


@dataclass(frozen=True)
class SettingKey:
    """One meeting setting: its name, its value when never set, and the check of a new value."""

    name: str
    default: Any
    validate: Validator
    description: str


SETTINGS: dict[str, SettingKey] = {}


def register(name: str, default: Any, validate: Validator, description: str) -> SettingKey:
    """Declare a setting key (once; a second declaration of a name is a programming error)."""
    if name in SETTINGS:
        raise ValueError(f"meeting setting {name!r} is declared twice")
    key = SettingKey(name, default, validate, description)
    SETTINGS[name] = key
    return key


def boolean(body: dict[str, Any], name: str) -> bool:
    """A validator: true or false."""
    return bool_field(body, name)


def whole(lo: int, hi: int) -> Validator:
    """A validator: a whole number in [lo, hi]."""
    return lambda body, name: int_field(body, name, lo=lo, hi=hi)


def one_of(*allowed: str) -> Validator:
    """A validator: one of these strings."""

    def check(body: dict[str, Any], name: str) -> str:
        if body[name] not in allowed:
            raise bad_request(f"'{name}' must be one of: {', '.join(allowed)}")
        return str(body[name])

    return check


def words(max_items: int, max_len: int) -> Validator:
    """A validator: a list of at most `max_items` non-empty strings of at most `max_len`."""

    def check(body: dict[str, Any], name: str) -> list[str]:
        value = body[name]
        if not isinstance(value, list) or len(value) > max_items:
            raise bad_request(f"'{name}' must be a list of at most {max_items} words")
        return [text_field({name: item}, name, max_len=max_len) for item in value]

    return check


AUTO_PRESENT = register(
    "auto_present", True, boolean, "present each new activity on the screen as it is created"
)
DANMAKU = register("danmaku", False, boolean, "chat messages cross the screen as 弹幕")
GUESTS = register("guests", "wecom", one_of("wecom", "wechat", "anyone"), "who may join")
QA = register("qa", True, boolean, "attendees may ask questions (Q&A)")
QA_ANONYMOUS = register("qa_anonymous", True, boolean, "attendees may ask questions anonymously")
QA_MODERATION = register(
    "qa_moderation", False, boolean, "new questions wait for the organizer's approval"
)
SLOW_MODE_S = register(
    "slow_mode_s", 0, whole(0, 3600), "seconds an attendee waits between chat messages (0: off)"
)
BLOCKED_WORDS = register(
    "blocked_words", [], words(100, 20), "words masked in chat, questions and the word cloud"
)


def defaults() -> dict[str, Any]:
    """Every key with its default, in declaration order."""
    return {key.name: key.default for key in SETTINGS.values()}


def parse_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """The validated values of a PATCH body; 400 `unknown_setting` for a key not declared."""
    unknown = sorted(name for name in body if name not in SETTINGS)
    if unknown:
        raise bad_request(f"unknown setting: {unknown[0][:40]}", "unknown_setting")
    plain = dict(body)
    return {name: SETTINGS[name].validate(plain, name) for name in body}


async def meeting_settings(db: Database, meeting_id: int) -> dict[str, Any]:
    """The meeting's settings: every declared key, stored values over defaults."""
    stored = await stored_settings(db, meeting_id)
    return {name: stored.get(name, key.default) for name, key in SETTINGS.items()}


async def change_settings(
    db: Database, meeting_id: int, changes: Mapping[str, Any], now: float
) -> dict[str, Any]:
    """Store validated changes; returns the meeting's settings after them."""
    await store_settings(db, meeting_id, changes, now)
    return await meeting_settings(db, meeting_id)
