"""JSON errors: one exception type for handlers and one middleware that shapes every failure."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from hub.cache import CacheUnavailable
from hub.errors import (
    Conflict,
    Forbidden,
    Gone,
    HubError,
    Invalid,
    NotFound,
    Unauthorized,
    Unavailable,
)
from hub.i18n import catalogue, request_language
from hub.storage import DatabaseBusy, DatabaseUnavailable

log = logging.getLogger(__name__)

# Paths whose clients are programs: every error there is JSON, never an HTML page or a trace.
JSON_PREFIXES = ("/api/", "/live/", "/auth/", "/ws/", "/_sim/")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    503: "unavailable",
}


# The HTTP status of each domain refusal.
STATUS_OF: dict[type[HubError], int] = {
    Invalid: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Unavailable: 503,
}


def status_of(exc: HubError) -> int:
    """The HTTP status of a domain refusal (its nearest mapped class; 400 for a bare one)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


class ApiError(Exception):
    """Raise from a handler to answer `{"error": {"code", "message"}}` with `status`.

    Extra keyword arguments join the error object; an int `retry_after` also becomes the
    Retry-After header.
    """

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def error_response(status: int, code: str, message: str, **extra: Any) -> web.Response:
    """The JSON body every error uses."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return web.json_response(body, status=status)


def localized(request: web.Request, code: str, fallback: str) -> str:
    """The `api.<code>` message of hub/i18n in the request's language, else `fallback`."""
    return catalogue(request_language(request)).get(f"api.{code}") or fallback


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.path in ("/healthz", "/readyz")


def error_answer(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The response for an exception a handler raised: the JSON error shape on API paths.

    HTTP redirects and non-API HTTP errors (pages) are raised again for aiohttp to answer.
    """
    if isinstance(exc, ApiError):
        message = localized(request, exc.code, exc.message)
        response = error_response(exc.status, exc.code, message, **exc.extra)
        retry_after = exc.extra.get("retry_after")
        if isinstance(retry_after, int) and not isinstance(retry_after, bool):
            # A 429 or 503 that knows when to come back says so (RFC 9110, Retry-After).
            response.headers["Retry-After"] = str(max(1, retry_after))
        return response
    if isinstance(exc, HubError):
        message = localized(request, exc.code, exc.message)
        return error_response(status_of(exc), exc.code, message, **exc.extra)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400 or not _wants_json(request):
            raise exc
        code = _CODES.get(exc.status, "error")
        message = exc.reason if exc.status != 413 else "request body is larger than 64 KiB"
        return error_response(exc.status, code, message)
    if isinstance(exc, DatabaseBusy):
        log.warning("%s %s: %s", request.method, request.path, exc)
        response = error_response(503, "busy", "the database was busy, try again")
        response.headers["Retry-After"] = "1"
        return response
    if isinstance(exc, DatabaseUnavailable | CacheUnavailable):
        log.warning("%s %s: %s", request.method, request.path, exc)
        return error_response(503, "unavailable", "a backing service is unavailable, try again")
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    if _wants_json(request):
        return error_response(500, "internal", "internal error")
    return web.Response(status=500, text="Internal error", content_type="text/plain")
