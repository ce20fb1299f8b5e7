"""The meeting websocket `GET /ws/meetings/{number}[?after=SEQ]` and its tickets: checks, resume,
frames."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web

from hub.cache import CacheUnavailable
from hub.errors import HubError, Invalid, bad_request, conflict, forbidden, not_found
from hub.events import EVENTS, dumps
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.meetings.access import valid_number
from hub.meetings.moderation import moderate_chat
from hub.realtime.chat import (
    FrameError,
    error_frame,
    messages_json,
    parse_chat,
    send_chat,
)
from hub.realtime.limits import TokenBucket
from hub.realtime.reactions import on_reaction
from hub.realtime.rooms import MEETING_ENDED, REALTIME, Client
from hub.realtime.ticket import TICKET_TTL, issue_ticket, redeem_ticket
from hub.storage import DatabaseUnavailable
from hub.storage.chat import last_seq, messages_after
from hub.storage.meetings import (
    Meeting,
    MeetingEnded,
    is_attendee,
    meeting_by_number,
    meeting_is_live,
)
from hub.storage.users import User, get_user
from hub.web.access import meeting_for
from hub.web.errors import ApiError
from hub.web.origin import same_origin
from hub.web.validate import parse_json_text, query_int
from hub.web.ws_socket import MeetingSocket, drop_sent_headers

log = logging.getLogger(__name__)

MAX_FRAME = 64 * 1024
HISTORY_PAGE = 500
KERNEL_SNDBUF = 64 * 1024  # Linux doubles it


async def send(app: web.Application, client: Client, frame: dict[str, Any]) -> None:
    """A frame to this client only."""
    await client.ws.send_str(dumps(frame))
    app[REALTIME].frames_out += 1


async def on_chat(app: web.Application, client: Client, frame: dict[str, Any]) -> None:
    """Store and broadcast; a resend gets the stored message back, to the sender only.

    A user past their chat budget (across their sockets and processes) gets `rate_limited`.
    """
    text, client_id = parse_chat(frame)
    limit = app[REALTIME].chat_limit
    if limit is not None and not await limit.allow(client.meeting_id, client.user_id):
        raise FrameError("rate_limited", "too many chat messages; slow down")
    # Moderation (a mute, slow mode, blocked words): hub.meetings.moderation.
    try:
        now = app[CLOCK].time()
        text = await moderate_chat(
            app[DB], app[CACHE], client.meeting_id, client.user_id, text, now
        )
    except HubError as refused:
        raise FrameError(refused.code, refused.message) from None
    stored, created = await send_chat(
        app[DB],
        app[EVENTS],
        client.meeting_id,
        client.user.as_json(),
        text,
        client_id,
        app[CLOCK].time(),
    )
    if not created:
        await send(app, client, stored)


async def on_ping(app: web.Application, client: Client, frame: dict[str, Any]) -> None:
    """An application-level ping for clients that cannot see protocol pings."""
    await send(app, client, {"type": "pong"})


FrameHandler = Callable[[web.Application, Client, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, FrameHandler] = {"chat": on_chat, "ping": on_ping, "reaction": on_reaction}


def check_origin(request: web.Request, *, ticket: bool) -> None:
    """403 for a foreign Origin (cross-site websocket hijacking); only ticket clients omit it."""
    origin = request.headers.get("Origin")
    if origin is None:
        if not ticket:
            raise forbidden("an Origin header is required (or use a ws-ticket)")
        return
    if not same_origin(origin, request.app[SETTINGS].public_url):
        raise forbidden("cross-origin websocket refused")


async def authorize(request: web.Request, number: str, ticket: str | None) -> tuple[Meeting, User]:
    """The meeting and its attendee, from a ticket or the session cookie."""
    if ticket is None:
        return await meeting_for(request, live=True)
    db = request.app[DB]
    grant = await redeem_ticket(request.app[CACHE], ticket)
    if grant is None:
        raise ApiError(401, "unauthorized", "the ticket is unknown, expired or already used")
    meeting = await meeting_by_number(db, number)
    if meeting is None:
        raise not_found("meeting")
    if meeting.id != grant.meeting_id:
        raise forbidden("the ticket is for another meeting")
    user = await get_user(db, grant.user_id)
    if user is None:
        raise ApiError(401, "unauthorized", "the ticket's user no longer exists")
    if not await is_attendee(db, meeting.id, user.id):
        raise forbidden("join the meeting first")
    if not meeting.active:
        raise conflict("the meeting has ended", "meeting_ended")
    return meeting, user


async def _accept(request: web.Request) -> tuple[Client, int]:
    """Every check, before the upgrade; the client to be and its `after` (-1 without)."""
    number = request.match_info.get("number", "")
    if not valid_number(number):
        raise not_found("meeting")
    ticket = request.query.get("ticket")
    check_origin(request, ticket=ticket is not None)
    after = query_int(request, "after", default=-1, lo=0, hi=10**15)
    # compress=False: no client negotiates it, and an idle socket should carry no deflate state.
    # No heartbeat or autoping of aiohttp's: the hub pings its sockets in one sweep and reads the
    # pongs itself (RealtimeHub.heartbeat), so an idle socket holds no timer.
    ws = MeetingSocket(max_msg_size=MAX_FRAME, compress=False, autoping=False)
    if not ws.can_prepare(request).ok:
        raise bad_request("a websocket upgrade is expected here", "upgrade_required")
    meeting, user = await authorize(request, number, ticket)
    transport = request.transport
    if transport is None:
        raise ConnectionResetError("the client went away")
    # Above the hub's own bound, so the writer never waits on a slow client's drain inside a
    # broadcast: the hub drops the client first.
    transport.set_write_buffer_limits(high=request.app[REALTIME].buffer_limit * 4)
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # A fixed kernel send buffer (autotuning grows it to megabytes): what a client has not
        # read piles up where the hub can see it and bound it, and thousands of sockets stay
        # cheap. Chat needs far less than 128 KiB in flight.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, KERNEL_SNDBUF)
    return Client(ws, transport, meeting.id, user, swept=True), after


async def ws_meeting(request: web.Request) -> web.StreamResponse:
    """GET /ws/meetings/{number}: the checks and the upgrade, then the socket's life.

    The handler returns as soon as the socket is open; aiohttp then finishes the response with
    `write_eof`, where the socket lives (`MeetingSocket.live_after_answer`). So an open socket
    keeps no frame of this handler, of the middleware or of aiohttp's dispatch suspended.
    """
    client, after = await _accept(request)
    hub = request.app[REALTIME]
    ws = client.ws
    assert isinstance(ws, MeetingSocket)
    await hub.join(client)  # subscribed before history is read: nothing slips between
    try:
        await ws.prepare(request)
    except BaseException:
        await hub.leave(client)
        raise
    drop_sent_headers(ws)
    # No await from here until aiohttp calls write_eof: nothing can cancel in between.
    ws.live_after_answer(_life(request.app, client, after))
    return ws


async def _life(app: web.Application, client: Client, after: int) -> None:
    """hello and history, then every frame the client sends, until it closes."""
    hub = app[REALTIME]
    ws = client.ws
    try:
        # An end published before this process subscribed never reached the room: read the
        # meeting again now that any later end will (F7), and close as the end would have.
        if not await meeting_is_live(app[DB], client.meeting_id):
            await ws.close(code=MEETING_ENDED, message=b"meeting ended")
            return
        hub.presence.add(client.meeting_id, client.user)
        try:
            await _start(app, client, after)
            # receive(), not `async for`: the iterator's coroutine would be one more frame kept
            # per socket. Only this task reads.
            while (msg := await ws.receive()).type not in _CLOSED:
                if not await _on_frame(app, client, msg):
                    break
        except (ConnectionError, DatabaseUnavailable, CacheUnavailable) as exc:
            log.info("websocket of meeting %s ended: %s", client.meeting_id, exc)
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"try again")
        except Exception:
            log.exception("websocket of meeting %s failed", client.meeting_id)
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"internal error")
        finally:
            hub.presence.remove(client.meeting_id, client.user_id)
    finally:
        await hub.leave(client)
        await ws.close()  # the life ran in place of aiohttp's write_eof, which closes


async def _on_frame(app: web.Application, client: Client, msg: WSMessage) -> bool:
    """Answer or refuse one frame, never raise; False once the socket should stop reading."""
    client.alive = True  # anything it sends shows it is there (RealtimeHub.heartbeat)
    if msg.type is WSMsgType.PING:
        await client.ws.pong(msg.data)  # what aiohttp's autoping did, before any limit
        return True
    if msg.type is WSMsgType.PONG:
        return True
    app[REALTIME].frames_in += 1
    # The bucket comes with the first frame: most sockets only listen.
    if client.bucket is None:
        client.bucket = TokenBucket()
    if not client.bucket.take():
        if client.bucket.flooding:
            await client.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"rate limit")
            return False
        await send(app, client, error_frame("rate_limited", "too many frames"))
    elif msg.type is WSMsgType.TEXT:
        await _dispatch(app, client, msg.data)
    elif msg.type is WSMsgType.BINARY:
        await send(app, client, error_frame("bad_frame", "binary frames are refused"))
    elif msg.type is WSMsgType.ERROR:
        log.info("websocket of meeting %s: %s", client.meeting_id, client.ws.exception())
        return False
    return True


_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)


async def _start(app: web.Application, client: Client, after: int) -> None:
    """hello, the history after `after`, what arrived meanwhile, then presence."""
    db = app[DB]
    hub = app[REALTIME]
    floor = await last_seq(db, client.meeting_id)
    await send(app, client, {"type": "hello", "you": client.user.as_json(), "last_seq": floor})
    cursor = after
    while 0 <= cursor < floor:
        page = await messages_after(db, client.meeting_id, cursor, HISTORY_PAGE, up_to=floor)
        if not page:
            break
        for item in await messages_json(db, page):
            await send(app, client, {"type": "chat", **item})
        cursor = page[-1].seq
    await hub.go_live(client, floor)
    await client.ws.send_str(await hub.presence_for_joiner(client.meeting_id))
    hub.frames_out += 1


async def _dispatch(app: web.Application, client: Client, data: str) -> None:
    try:
        # Bounded like a request body: 30,000-deep nesting or a lone surrogate is an error frame,
        # never a RecursionError that closes the socket or text no database can store.
        frame = parse_json_text(data)
    except Invalid as exc:
        message = "frames must be JSON objects" if exc.code == "bad_json" else exc.message
        await send(app, client, error_frame(exc.code, message))
        return
    kind = frame.get("type") if isinstance(frame, dict) else None
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        message = f"unknown frame type: {str(kind)[:40]}"
        await send(app, client, error_frame("unknown_type", message))
        return
    try:
        await handler(app, client, frame)
    except FrameError as exc:
        await send(app, client, error_frame(exc.code, exc.message))
    except DatabaseUnavailable:
        await send(app, client, error_frame("unavailable", "storage unavailable; resend later"))
    except MeetingEnded:
        # The end committed first: nothing was stored, and the room is closing anyway.
        await client.ws.close(code=MEETING_ENDED, message=b"meeting ended")


async def create_ws_ticket(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/ws-ticket: a ticket for the signed-in attendee."""
    meeting, user = await meeting_for(request, live=True)
    ticket = await issue_ticket(request.app[CACHE], user.id, meeting.id)
    url = f"/ws/meetings/{meeting.number}?ticket={ticket}"
    return web.json_response(
        {"ticket": ticket, "expires_in": int(TICKET_TTL), "url": url}, status=201
    )


def setup_ws(app: web.Application) -> None:
    """Register the meeting websocket and its ticket route."""
    app.router.add_get("/ws/meetings/{number}", ws_meeting, name="ws_meeting")
    app.router.add_post("/api/meetings/{number}/ws-ticket", create_ws_ticket, name="ws_ticket")
