"""Moderation routes: delete a chat message, mute an attendee, pin an announcement (issue 18).

Each change reaches every socket of the meeting as one frame through the event bus:
`chat_deleted` `{"seq"}`, `muted` `{"userid", "until"}` (the muted attendee's page tells them)
and `pin` `{"pin": {"text", "pinned_at"} | null}`; a refresh reads the stored state.
"""

from __future__ import annotations

from aiohttp import web

from hub.clock import iso_ts
from hub.errors import bad_request, forbidden, not_found
from hub.events import EVENTS
from hub.keys import CLOCK, DB
from hub.meetings.moderation import blocked_words, mask
from hub.storage.meetings import is_attendee
from hub.storage.moderation import Pin, delete_message, get_pin, mute, set_pin
from hub.storage.users import get_user_by_userid
from hub.validate import int_field, text_field
from hub.web.access import meeting_for
from hub.web.screen_access import screen_viewer
from hub.web.validate import path_int, read_json

MAX_MUTE_MINUTES = 24 * 60
MAX_PIN = 200


def pin_json(pin: Pin | None) -> dict[str, object] | None:
    """The pin as pages and frames carry it."""
    return None if pin is None else {"text": pin.text, "pinned_at": iso_ts(pin.pinned_at)}


async def delete_chat_message(request: web.Request) -> web.Response:
    """DELETE /api/meetings/{number}/messages/{seq}: gone from every client, marked in exports."""
    meeting, _user = await meeting_for(request, organizer=True)
    seq = path_int(request, "seq")
    app = request.app
    deleted = await delete_message(app[DB], meeting.id, seq, app[CLOCK].time())
    if deleted is None:
        raise not_found("message")
    if deleted:
        await app[EVENTS].meeting(meeting.id, {"type": "chat_deleted", "seq": seq})
    return web.json_response({"seq": seq, "deleted": True})


async def mute_attendee(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/mutes `{"userid", "minutes"}`: chat refused with `muted`."""
    meeting, _user = await meeting_for(request, organizer=True, live=True)
    body = await read_json(request)
    userid = text_field(body, "userid", max_len=64)
    minutes = int_field(body, "minutes", lo=1, hi=MAX_MUTE_MINUTES)
    db = request.app[DB]
    target = await get_user_by_userid(db, userid)
    if target is None or not await is_attendee(db, meeting.id, target.id):
        raise not_found("attendee")
    if target.id == meeting.organizer_id:
        raise bad_request("the organizer cannot be muted", "bad_userid")
    until = request.app[CLOCK].time() + minutes * 60
    await mute(db, meeting.id, target.id, until)
    frame = {"type": "muted", "userid": target.userid, "until": iso_ts(until)}
    await request.app[EVENTS].meeting(meeting.id, frame)
    return web.json_response({"userid": target.userid, "until": iso_ts(until)}, status=201)


async def read_pin(request: web.Request) -> web.Response:
    """GET /api/meetings/{number}/pin: `{"pin": {"text", "pinned_at"} | null}` (attendees, the
    organizer's screen and screen links)."""
    viewer = await screen_viewer(request)
    if not viewer.reads_content:
        raise forbidden("join the meeting first")
    pin = await get_pin(request.app[DB], viewer.meeting.id)
    return web.json_response({"pin": pin_json(pin)})


async def put_pin(request: web.Request) -> web.Response:
    """PUT /api/meetings/{number}/pin `{"text"}` (1..200 characters): pinned on every phone and
    the screen until unpinned; blocked words masked."""
    meeting, _user = await meeting_for(request, organizer=True, live=True)
    body = await read_json(request)
    db = request.app[DB]
    text = mask(text_field(body, "text", max_len=MAX_PIN), await blocked_words(db, meeting.id))
    await set_pin(db, meeting.id, text, request.app[CLOCK].time())
    return await _pinned(request, meeting.id)


async def delete_pin(request: web.Request) -> web.Response:
    """DELETE /api/meetings/{number}/pin: unpin."""
    meeting, _user = await meeting_for(request, organizer=True)
    await set_pin(request.app[DB], meeting.id, None, request.app[CLOCK].time())
    return await _pinned(request, meeting.id)


async def _pinned(request: web.Request, meeting_id: int) -> web.Response:
    pin = pin_json(await get_pin(request.app[DB], meeting_id))
    await request.app[EVENTS].meeting(meeting_id, {"type": "pin", "pin": pin})
    return web.json_response({"pin": pin})


def setup_moderation(app: web.Application) -> None:
    """Register the moderation and pin routes."""
    add = app.router.add_route
    base = "/api/meetings/{number}"
    add("DELETE", f"{base}/messages/{{seq}}", delete_chat_message, name="chat_message_delete")
    add("POST", f"{base}/mutes", mute_attendee, name="meeting_mutes")
    add("GET", f"{base}/pin", read_pin, name="meeting_pin")
    add("PUT", f"{base}/pin", put_pin, name="meeting_pin_put")
    add("DELETE", f"{base}/pin", delete_pin, name="meeting_pin_delete")
