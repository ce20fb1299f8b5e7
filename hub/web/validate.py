"""Reading a request: its JSON body and its query and path numbers, refusing bad input."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from hub.errors import bad_request, not_found
from hub.web.errors import ApiError

# ASCII digits only: `\d` and str.isdigit() also accept "١٢" and "²", which int() then
# reads differently or refuses with a ValueError (a 500).
_INT = re.compile(r"-?[0-9]{1,12}")
_ID = re.compile(r"[0-9]{1,18}")


def is_json_type(content_type: str) -> bool:
    """True for `application/json` and `application/*+json` (parameters such as charset aside)."""
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def parse_json_text(raw: str | bytes) -> Any:
    """JSON text as Python values; Invalid `bad_json` or `bad_unicode` instead of any crash.

    Nesting deep enough to exhaust the parser's recursion (a 60 KB body can) is bad JSON,
    and a lone surrogate escape ("\\ud800") is refused here, once for every text field:
    no database or socket can encode it.
    """
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise bad_request("request body is not valid JSON", "bad_json") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        message = "text must be valid Unicode (no lone surrogates)"
        raise bad_request(message, "bad_unicode") from None
    except RecursionError:  # pragma: no cover - loads already bounded the depth
        raise bad_request("request body is not valid JSON", "bad_json") from None
    return value


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 when it is not JSON or not an object, 415 when
    it is not declared as JSON.

    The 415 is a CSRF defence: a cross-origin form or no-cors fetch can only send text/plain,
    form or multipart bodies; declaring JSON takes a CORS preflight, which hub never grants.
    Malformed bodies and non-objects answer 400 `bad_json` first, as they always have.
    """
    raw = await request.read()  # raises 413 past client_max_size
    if not raw.strip():
        # Nothing to smuggle: clients (aiohttp's among them) label empty POSTs
        # application/octet-stream, and the Origin check already covers body-less writes.
        return {}
    body: Any = parse_json_text(raw)
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object", "bad_json")
    if not is_json_type(request.headers.get("Content-Type", "")):
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
        )
    return body


def whole_number(raw: str) -> int | None:
    """`raw` as an int when it is 1-12 ASCII digits (optionally negative), else None."""
    return int(raw) if _INT.fullmatch(raw) else None


def query_int(request: web.Request, name: str, *, default: int, lo: int, hi: int) -> int:
    """An integer query parameter within [lo, hi]; 400 otherwise."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    value = whole_number(raw.strip())
    if value is None:
        raise bad_request(f"query parameter '{name}' must be a whole number")
    if not lo <= value <= hi:
        raise bad_request(f"query parameter '{name}' must be between {lo} and {hi}")
    return value


def path_id(raw: str) -> int | None:
    """A positive id from a path segment (1-18 ASCII digits), else None."""
    return int(raw) if _ID.fullmatch(raw) else None


def path_int(request: web.Request, name: str) -> int:
    """A positive integer path segment; 404 when it is not one (it names no resource)."""
    value = path_id(request.match_info.get(name, ""))
    if value is None:
        raise not_found(f"no such {name}")
    return value
