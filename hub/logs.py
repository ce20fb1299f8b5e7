"""Logging set-up: one line per event, text or JSON, secrets masked, control characters escaped."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

# Query parameters and JSON fields whose values are credentials.
_SECRET_NAMES = (
    r"access_token|refresh_token|session_key|secret|corpsecret|user_ticket|ticket|admin_token"
    r"|password"
)
# In URLs an OAuth `code` is a credential too; in JSON "code" names an error, so it stays.
_QUERY = re.compile(rf"(?i)\b({_SECRET_NAMES}|code|js_code)=([^&\s\"'#]+)")
_JSON = re.compile(rf"(?i)(\"(?:{_SECRET_NAMES})\"\s*:\s*\")([^\"]+)(\")")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")
_AUTH = re.compile(r"(?i)(authorization:?\s*(?:bearer|screen)\s+)(\S+)")
# A screen link's path is its credential: /s/<token> (docs/dashboard.md).
_SCREEN_LINK = re.compile(r"(^|[\s\"'(]|://[^/\s\"']+)/s/[A-Za-z0-9_-]{16,}")

# Characters that could end a line, rewrite the terminal, reorder what a reader sees, or fail the
# UTF-8 write of the whole line: C0 and C1 controls, DEL, the Unicode line and paragraph
# separators, bidirectional overrides, and lone surrogates (from undecodable input).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Text mode: every line of a record after its first (a traceback) starts with this, so no text
# inside a record, user-supplied or not, can begin a line the way a record does.
CONTINUATION = "  | "

NO_REQUEST_ID = "-"
request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default=NO_REQUEST_ID
)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with control, separator, bidi and lone-surrogate characters as visible escapes."""
    return _UNSAFE.sub(_escaped, text)


def mask_secrets(text: str, literals: Iterable[str] = ()) -> str:
    """Replace credential values in URLs, JSON and headers (and any known literal) with ***."""
    for value in literals:
        if value and len(value) >= 6:
            text = text.replace(value, "***")
    text = _QUERY.sub(r"\1=***", text)
    text = _JSON.sub(r"\1***\3", text)
    text = _URL_PASSWORD.sub(r"\1***\3", text)
    text = _SCREEN_LINK.sub(r"\1/s/***", text)
    return _AUTH.sub(r"\1***", text)


class MaskingFormatter(logging.Formatter):
    """Formats, then masks: so a secret in a message, an argument or a traceback never leaks."""

    def __init__(self, json_lines: bool, literals: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        self.json_lines = json_lines
        self.literals = tuple(v for v in literals if v)

    def format(self, record: logging.LogRecord) -> str:
        # An access line passes its request's id explicitly; other lines take the task's.
        rid = record.__dict__.get("request_id") or request_id.get()
        record.request_id = rid
        if not self.json_lines:
            return self._text_lines(record)
        body: dict[str, Any] = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": rid,
            "message": self._mask(record.getMessage()),
        }
        http = record.__dict__.get("http")
        if isinstance(http, dict):
            body["http"] = {k: self._mask(v) if isinstance(v, str) else v for k, v in http.items()}
        if record.exc_info:
            body["exc"] = self._mask(self.formatException(record.exc_info))
        # Each field is masked before encoding, never the encoded line: JSON escapes the quotes of
        # a JSON text inside a message (hiding it from the patterns), and masking `Bearer \S+`
        # in the encoded line would eat its closing quote. JSON escapes C0 itself; what it leaves
        # raw (C1, U+2028/2029, lone surrogates) becomes a \\uXXXX escape, still valid JSON.
        return _UNSAFE.sub(_json_escaped, json.dumps(body, ensure_ascii=False))

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's first line, masked then escaped: a message can never span lines."""
        return escape_controls(mask_secrets(super().formatMessage(record), self.literals))

    def _text_lines(self, record: logging.LogRecord) -> str:
        # Mask before escaping: the patterns rely on whitespace that escaping would hide.
        head, _, tail = super().format(record).partition("\n")
        if not tail:
            return head
        lines = mask_secrets(tail, self.literals).split("\n")
        return head + "".join(f"\n{CONTINUATION}{escape_controls(line)}" for line in lines)

    def _mask(self, text: str) -> str:
        return mask_secrets(text, self.literals)


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_logging() -> bool:
    """Whether hub's handler on the root logger writes JSON lines (so the CLI writes JSON too)."""
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        if getattr(handler, "_hub", False) and isinstance(formatter, MaskingFormatter):
            return formatter.json_lines
    return False


class AccessLogger(AbstractAccessLogger):
    """One line per HTTP request with its request id; the formatter masks credentials in the URL."""

    # aiohttp makes one with each connection's protocol. It holds only its logger and format, so
    # the connections share one (the thousands of idle websockets of a meeting included).
    __slots__ = ()
    _made: dict[tuple[int, str], AccessLogger] = {}  # noqa: RUF012  (a class-wide cache)

    def __new__(cls, logger: logging.Logger, log_format: str) -> AccessLogger:
        """The one instance for this logger and format."""
        key = (id(logger), log_format)
        made = cls._made.get(key)
        if made is None:
            made = cls._made[key] = super().__new__(cls)
        return made

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Write the access line for one answered request."""
        if not self.logger.isEnabledFor(logging.INFO):
            return
        # A meeting socket keeps its id in `request_id` (hub.web.ws_socket drops sent headers).
        rid = (
            response.headers.get("X-Request-Id")
            or getattr(response, "request_id", None)
            or request_id.get()
        )
        ms = round(time * 1000, 1)
        http = {
            "remote": request.remote,
            "method": request.method,
            "path": request.path_qs,
            "status": response.status,
            "bytes": response.body_length,
            "ms": ms,
        }
        self.logger.info(
            '%s "%s %s" %s %s %sms',
            request.remote,
            request.method,
            request.path_qs,
            response.status,
            response.body_length,
            ms,
            extra={"request_id": rid, "http": http},
        )


def configure_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Install one masking handler on the root logger (replacing any earlier one of ours)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_hub", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter(fmt == "json", secrets))
    handler._hub = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
