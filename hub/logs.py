"""Logging set-up: one line per event, text or JSON, with secrets masked in every line."""

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
_SECRET_NAMES = r"access_token|secret|corpsecret|user_ticket|ticket|admin_token|password"
# In URLs an OAuth `code` is a credential too; in JSON "code" names an error, so it stays.
_QUERY = re.compile(rf"(?i)\b({_SECRET_NAMES}|code)=([^&\s\"'#]+)")
_JSON = re.compile(rf"(?i)(\"(?:{_SECRET_NAMES})\"\s*:\s*\")([^\"]+)(\")")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")
_AUTH = re.compile(r"(?i)(authorization:?\s*bearer\s+)(\S+)")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def mask_secrets(text: str, literals: Iterable[str] = ()) -> str:
    """Replace credential values in URLs, JSON and headers (and any known literal) with ***."""
    for value in literals:
        if value and len(value) >= 6:
            text = text.replace(value, "***")
    text = _QUERY.sub(r"\1=***", text)
    text = _JSON.sub(r"\1***\3", text)
    text = _URL_PASSWORD.sub(r"\1***\3", text)
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
            return mask_secrets(super().format(record), self.literals)
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
        # in the encoded line would eat its closing quote.
        return json.dumps(body, ensure_ascii=False)

    def _mask(self, text: str) -> str:
        return mask_secrets(text, self.literals)


class AccessLogger(AbstractAccessLogger):
    """One line per HTTP request with its request id; the formatter masks credentials in the URL."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Write the access line for one answered request."""
        if not self.logger.isEnabledFor(logging.INFO):
            return
        rid = response.headers.get("X-Request-Id") or request_id.get()
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
