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
from hub.i18n import catalogue, request_language, translate
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


# Codes whose one message cannot say what was wrong: the server's detail follows it.
_DETAILED = frozenset({"bad_request"})


def localized(request: web.Request, code: str, fallback: str, **params: Any) -> str:
    """The `api.<code>` message of hub/i18n in the request's language (Accept-Language, the
    language cookie), its `{name}` places filled from the error's extra fields; else `fallback`."""
    lang = request_language(request)
    if not catalogue(lang).get(f"api.{code}"):
        return fallback
    message = translate(lang, f"api.{code}", **params)
    # The catch-all code covers many fields: its detail (which field, what bounds) stays.
    return f"{message} ({fallback})" if code in _DETAILED else message


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.path in ("/healthz", "/readyz")


def error_answer(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The response for an exception a handler raised: the JSON error shape on API paths.

    HTTP redirects and non-API HTTP errors (pages) are raised again for aiohttp to answer.
    """
    if isinstance(exc, ApiError):
        message = localized(request, exc.code, exc.message, **exc.extra)
        response = error_response(exc.status, exc.code, message, **exc.extra)
        retry_after = exc.extra.get("retry_after")
        if isinstance(retry_after, int) and not isinstance(retry_after, bool):
            # A 429 or 503 that knows when to come back says so (RFC 9110, Retry-After).
            response.headers["Retry-After"] = str(max(1, retry_after))
        return response
    if isinstance(exc, HubError):
        message = localized(request, exc.code, exc.message, **exc.extra)
        return error_response(status_of(exc), exc.code, message, **exc.extra)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400 or not _wants_json(request):
            raise exc
        code = _CODES.get(exc.status, "error")
        message = exc.reason if exc.status != 413 else "request body is larger than 64 KiB"
        return error_response(exc.status, code, localized(request, code, message))
    if isinstance(exc, DatabaseBusy):
        log.warning("%s %s: %s", request.method, request.path, exc)
        message = localized(request, "busy", "the database was busy, try again")
        response = error_response(503, "busy", message)
        response.headers["Retry-After"] = "1"
        return response
    if isinstance(exc, DatabaseUnavailable | CacheUnavailable):
        log.warning("%s %s: %s", request.method, request.path, exc)
        message = localized(request, "unavailable", "a backing service is unavailable, try again")
        return error_response(503, "unavailable", message)
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    if _wants_json(request):
        return error_response(500, "internal", localized(request, "internal", "internal error"))
    return web.Response(status=500, text="Internal error", content_type="text/plain")
