"""hub's one middleware: request ids, CSRF, the JSON error shape, session cookies, HTTP metrics."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any

from aiohttp import web

from hub.keys import SETTINGS
from hub.logs import NO_REQUEST_ID, request_id
from hub.metrics import metrics_of
from hub.web.csrf import check_csrf
from hub.web.errors import error_answer
from hub.web.sessions import SESSION_COOKIES, save_changed_session

REQUEST_ID_HEADER = "X-Request-Id"
# An id from a proxy is kept only when it cannot smuggle anything into a log line or a header.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def new_request_id() -> str:
    """A short random id: unique enough to grep one request out of many processes' logs."""
    return secrets.token_hex(8)


def incoming_request_id(request: web.BaseRequest) -> str:
    """The caller's X-Request-Id when it is sane, else a fresh one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SANE_ID.fullmatch(given) else new_request_id()


def route_label(request: web.Request) -> str:
    """The matched route's pattern (`/api/meetings/{number}`), never the raw path.

    Raw paths would give one time series per meeting number or probe URL; patterns are bounded.
    """
    info = request.match_info
    if info.http_exception is not None:
        return "unmatched"
    resource = info.route.resource
    if resource is None:
        return "unmatched"
    return resource.canonical


@web.middleware
async def request_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Tag the request with an id, refuse forged writes, shape errors, save a changed session,
    compress and long-cache static files, count by route and status.

    One middleware rather than one per concern: the screen's and the live feed's websockets keep
    their handler's whole middleware chain suspended while open, a frame per socket per middleware
    (a meeting socket returns from it first: hub.web.ws_socket).
    """
    # Each request runs in its own task (and context), so the id never leaks into another
    # request's logs; the access line and the X-Request-Id echo read it from there too.
    rid = request_id.set(incoming_request_id(request))
    started = time.perf_counter()
    status = 500
    try:
        try:
            check_csrf(request, request.app[SETTINGS].public_url, SESSION_COOKIES)
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:
            await save_changed_session(request, exc)  # a login's redirect carries the cookie
            response = error_answer(request, exc)  # raises exc again unless it is an API error
        except Exception as exc:
            response = error_answer(request, exc)
        else:
            await save_changed_session(request, response)
            if isinstance(response, web.FileResponse):
                _static_answer(request, response)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away first (nginx's code for it)
        raise
    finally:
        _observe(request, status, time.perf_counter() - started)
        if status == 101:
            # A meeting socket lives on in this task once its handler has answered (see
            # hub.web.ws_socket); it keeps its id itself, not in a context of its own per socket.
            request_id.reset(rid)


def _observe(request: web.Request, status: int, seconds: float) -> None:
    m = metrics_of(request.app)
    if m is None:
        return
    route = route_label(request)
    m.http_requests.labels(method=request.method, route=route, status=str(status)).inc()
    # A websocket's "latency" is its whole life: it would swamp the histogram, so skip it.
    if status != 101:
        m.http_latency.labels(method=request.method, route=route).observe(seconds)


async def _echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    # on_response_prepare reaches every answer: JSON, static files, HTTP errors and websockets,
    # in the request's own task, where the middleware set the id.
    rid = request_id.get()
    if rid != NO_REQUEST_ID:
        response.headers[REQUEST_ID_HEADER] = rid


# Text assets shrink 3-5x with gzip; images and video are compressed already.
COMPRESSIBLE = (".js", ".css", ".svg", ".json")
# static_url() puts a content hash in `?v=`: that URL's bytes never change.
IMMUTABLE = "public, max-age=31536000, immutable"


_CONDITIONAL = ("If-None-Match", "If-Modified-Since", "If-Range", "Range")


def _static_answer(request: web.Request, response: web.FileResponse) -> None:
    # Before prepare(): compression is chosen there (on_response_prepare runs too late).
    if not request.path.startswith("/static/"):
        return
    # Not for a conditional or range request: FileResponse may answer it 304 (or 206) inside
    # prepare(), and a compressed 304 still writes an empty gzip stream, a body that corrupts
    # the next answer on the keep-alive connection (Chromium: ERR_INVALID_HTTP_RESPONSE).
    conditional = any(h in request.headers for h in _CONDITIONAL)
    if request.path.endswith(COMPRESSIBLE) and not conditional:
        response.enable_compression()
    if "v" in request.query:
        response.headers["Cache-Control"] = IMMUTABLE


def setup_middleware(app: web.Application) -> None:
    """Install the request middleware outermost and echo X-Request-Id on every response."""
    app.middlewares.insert(0, request_middleware)
    app.on_response_prepare.append(_echo_request_id)
