"""Refusals the domain raises: a stable code and a message; the web edge picks the HTTP status.

The domain (meetings, activities, realtime, live) never imports the web layer, so it cannot
raise an HTTP error. It raises one of these instead; `hub.web.errors` maps each class to its
status and the one JSON error shape, and the websocket endpoint maps them to error frames.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """A refused request: `code` is stable for clients and i18n, `message` is for people."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


class Invalid(HubError):
    """The input is malformed or out of bounds (400)."""


class Unauthorized(HubError):
    """Who is asking is unknown: no session, an unknown ticket (401)."""


class Forbidden(HubError):
    """A known user who may not do this (403)."""


class NotFound(HubError):
    """The named thing does not exist, or is not the asker's to see (404)."""


class Conflict(HubError):
    """The request clashes with the current state: ended, closed, already done (409)."""


class Gone(HubError):
    """The thing existed but has run out: an empty red packet (410)."""


class Unavailable(HubError):
    """A resource the request needs is exhausted or down; trying later may work (503)."""


def bad_request(message: str, code: str = "bad_request") -> Invalid:
    """Invalid input."""
    return Invalid(code, message)


def not_found(what: str) -> NotFound:
    """Nothing of that name, naming what was asked for."""
    return NotFound("not_found", f"{what} not found")


def forbidden(message: str, code: str = "forbidden") -> Forbidden:
    """A known user who may not do this."""
    return Forbidden(code, message)


def conflict(message: str, code: str = "conflict") -> Conflict:
    """A request that clashes with the current state."""
    return Conflict(code, message)
