"""Checking fields of a decoded JSON body: every malformed field is refused naming the field."""

from __future__ import annotations

from typing import Any

from hub.errors import bad_request


def text_field(
    body: dict[str, Any], name: str, *, min_len: int = 1, max_len: int = 200, strip: bool = True
) -> str:
    """A required string field, its length checked after stripping."""
    value = body.get(name)
    if not isinstance(value, str):
        raise bad_request(f"'{name}' must be a string")
    if strip:
        value = value.strip()
    if not min_len <= len(value) <= max_len:
        raise bad_request(f"'{name}' must be {min_len} to {max_len} characters")
    return value


def int_field(
    body: dict[str, Any], name: str, *, lo: int, hi: int, default: int | None = None
) -> int:
    """An integer field within [lo, hi]; booleans and floats are refused."""
    value = body.get(name, default)
    if value is None:
        raise bad_request(f"'{name}' is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"'{name}' must be a whole number")
    if not lo <= value <= hi:
        raise bad_request(f"'{name}' must be between {lo} and {hi}")
    return value


def bool_field(body: dict[str, Any], name: str, *, default: bool = False) -> bool:
    """A boolean field (true/false only)."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise bad_request(f"'{name}' must be true or false")
    return value
