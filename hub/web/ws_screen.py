"""Screen websockets: `/ws/meetings/{number}/screen` (signed in), `/ws/screens?ticket=` (link).

A screen joins the meeting's room to receive its frames, but never its presence: it is not an
attendee, not online, never a lottery entrant, and it sends nothing but pings (read-only). A
meeting that ended, or a link that was revoked, is told so after the upgrade with a final close
code (4409 ended, 4410 revoked), so the page stops for good instead of retrying a refused
handshake. Revoking a link closes its open screens on every process, through the event bus.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from hub.cache import CacheUnavailable
from hub.errors import forbidden, not_found
from hub.events import Envelope, dumps
from hub.keys import CACHE, DB, SETTINGS
from hub.meetings.access import valid_number
from hub.meetings.screen_links import find_link
from hub.realtime.chat import error_frame, messages_json
from hub.realtime.limits import TokenBucket
from hub.realtime.presence import presence_frame
from hub.realtime.rooms import MEETING_ENDED, REALTIME, Client, RealtimeHub
from hub.storage import DatabaseUnavailable
from hub.storage.chat import last_seq, messages_after
from hub.storage.meetings import Meeting, get_meeting, is_attendee, meeting_by_number
from hub.storage.screens import link_active
from hub.storage.users import User
from hub.web.auth import require_user
from hub.web.origin import same_origin

log = logging.getLogger(__name__)

SCREENS_CHANNEL = "screens"
LINK_REVOKED = 4410
HEARTBEAT = 10.0
MAX_FRAME = 4 * 1024
HISTORY_PAGE = 500


class ScreenSockets:
    """This process's open screen clients per screen link, to close them when it is revoked."""

    def __init__(self, hub: RealtimeHub) -> None:
        self.hub = hub
        self.by_link: dict[int, set[Client]] = {}
        self._ids = itertools.count(-1, -1)

    def screen_user(self) -> User:
        """The placeholder user of one screen socket; delivery never reads it, presence never
        holds it. Its id is negative and its own: no real user has one, so a screen never
        counts against a person's socket cap, and screens never cap each other."""
        return User(id=next(self._ids), userid="", name="", avatar="")

    def add(self, link_id: int, client: Client) -> None:
        """Remember a client opened through a link."""
        self.by_link.setdefault(link_id, set()).add(client)

    def discard(self, link_id: int, client: Client) -> None:
        """Forget a client that closed."""
        clients = self.by_link.get(link_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self.by_link[link_id]

    async def revoked(self, wire: str) -> None:
        """The bus says a link was revoked: close its screens here (final code 4410)."""
        try:
            link_id = int(json.loads(Envelope.parse(wire).text)["id"])
        except (ValueError, KeyError, TypeError):
            return
        for client in list(self.by_link.pop(link_id, ())):
            # In the background, as the rooms drop a client: the broker handler never waits.
            self.hub.drop(client, LINK_REVOKED, "screen link revoked")


SCREEN_SOCKETS = web.AppKey("screen_sockets", ScreenSockets)


async def screen_sockets_ctx(app: web.Application) -> AsyncIterator[None]:
    """Listen for revoked links on every process for as long as the app runs."""
    sockets = ScreenSockets(app[REALTIME])
    app[SCREEN_SOCKETS] = sockets
    subscription = await app[CACHE].subscribe(SCREENS_CHANNEL, sockets.revoked)
    yield
    await subscription.close()


async def _send(app: web.Application, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
    await ws.send_str(dumps(frame))
    app[REALTIME].frames_out += 1


async def _refuse(request: web.Request, code: int, reason: str) -> web.WebSocketResponse:
    """Upgrade, then close with a final code: the page learns it must not come back."""
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, compress=False)
    await ws.prepare(request)
    await ws.close(code=code, message=reason.encode())
    return ws


def _check_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin")
    if origin is None or not same_origin(origin, request.app[SETTINGS].public_url):
        raise forbidden("a same-origin websocket is expected here")


async def ws_own_screen(request: web.Request) -> web.StreamResponse:
    """GET /ws/meetings/{number}/screen: the signed-in screen (anyone who may watch it)."""
    number = request.match_info.get("number", "")
    if not valid_number(number):
        raise not_found("meeting")
    _check_origin(request)
    user = await require_user(request)
    db = request.app[DB]
    meeting = await meeting_by_number(db, number)
    if meeting is None or not await is_attendee(db, meeting.id, user.id):
        raise not_found("meeting")
    if not meeting.active:
        return await _refuse(request, MEETING_ENDED, "meeting ended")
    return await _serve(request, meeting, None)


async def ws_link_screen(request: web.Request) -> web.StreamResponse:
    """GET /ws/screens?ticket=TOKEN: the screen of a screen link (no sign-in).

    The token rides in a query parameter named `ticket`, which hub's logs and the nginx config
    mask as a credential, rather than in the path, which every access log would keep.
    """
    _check_origin(request)
    db = request.app[DB]
    link = await find_link(db, request.query.get("ticket", ""))
    meeting = None if link is None or not link.active else await get_meeting(db, link.meeting_id)
    if link is None or meeting is None:
        return await _refuse(request, LINK_REVOKED, "screen link revoked")
    if not meeting.active:
        return await _refuse(request, MEETING_ENDED, "meeting ended")
    return await _serve(request, meeting, link.id)


def _after(request: web.Request) -> int:
    raw = request.query.get("after", "")
    # ASCII digits only: str.isdigit() also passes "²", which int() refuses.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 15 else -1


async def _serve(
    request: web.Request, meeting: Meeting, link_id: int | None
) -> web.WebSocketResponse:
    """Join the room (not presence), send hello and the missed chat, then answer pings only."""
    app = request.app
    hub = app[REALTIME]
    after = _after(request)
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_FRAME, compress=False)
    transport = request.transport
    if transport is None:
        raise ConnectionResetError("the client went away")
    sockets = app[SCREEN_SOCKETS]
    client = Client(ws, transport, meeting.id, sockets.screen_user())
    await hub.join(client)  # subscribed before history is read: nothing slips between
    try:
        await ws.prepare(request)
        if link_id is not None:
            sockets.add(link_id, client)
            # A revoke published before the line above found nothing here to close.
            if not await link_active(app[DB], link_id):
                await ws.close(code=LINK_REVOKED, message=b"screen link revoked")
                return ws
        await _start(app, client, after)
        bucket = TokenBucket()
        async for msg in ws:
            hub.frames_in += 1
            if not bucket.take():
                if bucket.flooding:
                    await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"rate limit")
                    break
            elif msg.type is WSMsgType.TEXT and _is_ping(msg.data):
                await _send(app, ws, {"type": "pong"})
            elif msg.type is WSMsgType.ERROR:
                break
            else:
                await _send(app, ws, error_frame("read_only", "a screen only listens"))
    except (ConnectionError, DatabaseUnavailable, CacheUnavailable) as exc:
        log.info("screen websocket of meeting %s ended: %s", meeting.id, exc)
        await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"try again")
    finally:
        if link_id is not None:
            sockets.discard(link_id, client)
        await hub.leave(client)
    return ws


def _is_ping(data: str) -> bool:
    """True for `{"type": "ping"}`: the one frame a screen sends (its liveness check)."""
    try:
        frame = json.loads(data)
    except ValueError:
        return False
    return isinstance(frame, dict) and frame.get("type") == "ping"


async def _start(app: web.Application, client: Client, after: int) -> None:
    """hello, the chat after `after`, what arrived meanwhile, then the online count."""
    db = app[DB]
    hub = app[REALTIME]
    floor = await last_seq(db, client.meeting_id)
    await _send(app, client.ws, {"type": "hello", "screen": True, "last_seq": floor})
    cursor = after
    while 0 <= cursor < floor:
        page = await messages_after(db, client.meeting_id, cursor, HISTORY_PAGE, up_to=floor)
        if not page:
            break
        for item in await messages_json(db, page):
            await _send(app, client.ws, {"type": "chat", **item})
        cursor = page[-1].seq
    await hub.go_live(client, floor)
    await _send(app, client.ws, presence_frame(await hub.online_users(client.meeting_id)))


def setup_ws_screen(app: web.Application) -> None:
    """The screen websockets and the listener that closes revoked links' screens."""
    app.cleanup_ctx.append(screen_sockets_ctx)
    app.router.add_get("/ws/meetings/{number}/screen", ws_own_screen, name="ws_own_screen")
    app.router.add_get("/ws/screens", ws_link_screen, name="ws_link_screen")
