"""Logging set-up: one line per event, text or JSON, with secrets masked in every line."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable

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
        record.request_id = request_id.get()
        if not self.json_lines:
            return mask_secrets(super().format(record), self.literals)
        body = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id.get(),
            "message": record.getMessage(),
        }
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return mask_secrets(json.dumps(body, ensure_ascii=False), self.literals)


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
