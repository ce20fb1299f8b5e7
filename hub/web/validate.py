"""Request parsing helpers that answer bad input with a 400 naming the field."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from hub.web.errors import ApiError, bad_request

_INT = re.compile(r"^-?\d{1,12}$")


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 when it is empty, not JSON or not an object."""
    raw = await request.read()  # raises 413 past client_max_size
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("request body is not valid JSON", "bad_json") from None
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object", "bad_json")
    return body


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


def query_int(request: web.Request, name: str, *, default: int, lo: int, hi: int) -> int:
    """An integer query parameter within [lo, hi]; 400 otherwise."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not _INT.match(raw.strip()):
        raise bad_request(f"query parameter '{name}' must be a whole number")
    value = int(raw)
    if not lo <= value <= hi:
        raise bad_request(f"query parameter '{name}' must be between {lo} and {hi}")
    return value


def path_int(request: web.Request, name: str) -> int:
    """A positive integer path segment; 404 when it is not one (it names no resource)."""
    raw = request.match_info.get(name, "")
    if not raw.isdigit() or len(raw) > 18:
        raise ApiError(404, "not_found", f"no such {name}")
    return int(raw)
