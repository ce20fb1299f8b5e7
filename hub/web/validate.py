"""Reading a request: its JSON body and its query and path numbers, refusing bad input."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from hub.errors import bad_request, not_found

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
        raise not_found(f"no such {name}")
    return int(raw)
