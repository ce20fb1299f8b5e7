"""What an open meeting websocket keeps: aiohttp's response, laid out to stay small, and only the
parts of its request that the access log line still reads.

An idle socket should cost no more than in a bare aiohttp server (bench/ws_fanout.py prints both).
"""

from __future__ import annotations

from collections.abc import Coroutine
from types import MappingProxyType
from typing import Any

from aiohttp import web
from aiohttp.http_writer import StreamWriter
from multidict import CIMultiDict, CIMultiDictProxy

from hub.web.middleware import REQUEST_ID_HEADER

# Fields aiohttp's __init__ sets that have no class-level default: safe to hold in slots.
_INIT_FIELDS = (
    "_state",
    "_headers",
    "_status",
    "_reason",
    "_protocols",
    "_timeout",
    "_receive_timeout",
    "_autoclose",
    "_autoping",
    "_heartbeat",
    "_pong_heartbeat",
    "_compress",
    "_max_msg_size",
    "_writer_limit",
    "_decode_text",
)
# Fields set later in an open socket's life: the upgrade, the first read, the heartbeat's ping.
_LIFE_FIELDS = (
    "_need_heartbeat_reset",
    "_heartbeat_reset_handle",
    "_loop",
    "_keep_alive",
    "_must_be_empty_body",
    "_req",
    "_payload_writer",
    "_ws_protocol",
    "_writer",
    "_heartbeat_when",
    "_heartbeat_cb",
    "_reader",
    "_parser",
    "_waiting",
    "_pong_response_cb",
    "_ping_task",
)
_NO_HEADERS: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())
_NO_STATE: MappingProxyType[str, Any] = MappingProxyType({})


class MeetingSocket(web.WebSocketResponse):
    """aiohttp's websocket response, laid out so that an idle socket carries no dict.

    CPython 3.11 keeps an object's attributes inline, without a dict, only while its class's shared
    key table (at most 30 names) can still grow, and every new instance shrinks that allowance by
    one. Sockets that open by the hundred before the first has set its fields each end up with a
    dict of their own, about 830 bytes. So the fields `__init__` sets live in slots, and
    `_prime_layout` sets every later field once, on a throwaway instance, before a real socket
    exists. The screen and live-feed sockets use the base class: their different lives cannot
    spend this class's allowance.
    """

    # A field that a later aiohttp gives a class default stays out: a slot would hide it.
    __slots__ = (
        *(n for n in _INIT_FIELDS if not hasattr(web.WebSocketResponse, n)),
        "_life",
        "request_id",
    )
    _life: Coroutine[Any, Any, None] | None  # unset until the handler answers
    request_id: str | None  # the X-Request-Id its 101 answer carried (read by the access line)

    def live_after_answer(self, life: Coroutine[Any, Any, None]) -> None:
        """Run `life` (the socket's reads and writes, to its close) once the handler has answered.

        aiohttp finishes every answer the same way: the handler returns it, then aiohttp awaits
        its `write_eof()`. A socket that lives there instead of inside the handler keeps none of
        the frames above the handler suspended: the middleware, aiohttp's dispatch and the
        handler itself (about 1 KB per idle socket). `life` must close the socket when it ends.
        The access line is still written at the close, after write_eof returns.
        """
        self._life = life

    def write_eof(self) -> Coroutine[Any, Any, None]:  # type: ignore[override]
        """The socket's life when one was given (awaited as is: no frame of its own here), else
        aiohttp's close."""
        life: Coroutine[Any, Any, None] | None = getattr(self, "_life", None)
        if life is None:
            return super().write_eof()
        self._life = None
        if self._req is not None:
            # The answer is done (the middleware, the metrics and the 101 are behind it).
            release_request(self._req)
        return life


# Fields of aiohttp's writer of each answer (the 101 of a socket too, which start() keeps for the
# socket's life) set after its __init__: the first write, a length, chunking, compression.
_WRITER_LATER_FIELDS = ("buffer_size", "output_size", "length", "chunked", "_eof", "_compress")


def _prime_layout(first: object, names: tuple[str, ...]) -> None:
    """Set each later field once on a throwaway first instance, before any real one exists, so
    the class's shared key table already holds every name (see MeetingSocket)."""
    for name in names:
        # A field that a later aiohttp renames only costs memory, never breaks anything.
        if hasattr(first, name):
            setattr(first, name, getattr(first, name))


_prime_layout(MeetingSocket(), _LIFE_FIELDS)
# Without this, a join storm gave every socket's writer a dict of its own (464 bytes).
_prime_layout(StreamWriter(None, None), _WRITER_LATER_FIELDS)  # type: ignore[arg-type]


def release_request(request: web.BaseRequest) -> None:
    """Let go of what only the checks and the answer needed: the request's keys (the session),
    its cached lookups (headers, query, URL), its URL's own (the parsed query) and the path's
    matched values (the meeting number; the route stays). The request lives as long as the
    socket; the access line at its end recomputes the little it reads."""
    request._state.clear()
    # Through the attributes, not the cached properties: reading those would cache them again.
    request._rel_url._cache.clear()  # type: ignore[attr-defined]  # a TypedDict to mypy
    if isinstance(request, web.Request) and request._match_info is not None:
        request._match_info.clear()
    request._cache.clear()


def drop_sent_headers(ws: MeetingSocket) -> None:
    """Nothing reads the handshake's response headers once they are sent but the access line's
    X-Request-Id: the socket keeps that, and shares one empty, read-only set of headers, and one
    empty, read-only response state (nothing stores into a websocket's)."""
    ws.request_id = ws.headers.get(REQUEST_ID_HEADER)
    ws._headers = _NO_HEADERS  # type: ignore[assignment]
    ws._state = _NO_STATE  # type: ignore[assignment]
