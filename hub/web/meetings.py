"""Meeting routes: create, list, details, join, end; QR codes of join links."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from hub.activities import activities_json
from hub.clock import iso_ts
from hub.errors import bad_request, conflict, not_found
from hub.events import EVENTS
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.meetings.access import valid_number
from hub.meetings.numbers import NumbersExhausted, open_meeting
from hub.meetings.qr import (
    MAX_QR_TEXT,
    hub_link,
    join_qr_async,
    png_data_url,
    render_png_async,
    take_render,
)
from hub.realtime.rooms import REALTIME
from hub.storage.meetings import (
    Meeting,
    end_meeting,
    is_attendee,
    join_meeting,
    list_attendees,
    list_user_meetings,
    meeting_by_number,
)
from hub.storage.users import User, get_users
from hub.validate import text_field
from hub.web.access import meeting_for
from hub.web.auth import require_user
from hub.web.errors import ApiError
from hub.web.validate import read_json

log = logging.getLogger(__name__)


def join_url(app: web.Application, number: str) -> str:
    """The link a QR code carries: HUB_PUBLIC_URL + /m/NUMBER."""
    return f"{app[SETTINGS].public_url}/m/{number}"


def meeting_summary(
    app: web.Application, meeting: Meeting, organizer: User | None
) -> dict[str, Any]:
    """The meeting fields without people-lists or activities (lists and the create answer)."""
    return {
        "number": meeting.number,
        "title": meeting.title,
        "organizer": organizer.as_json() if organizer else None,
        "created_at": iso_ts(meeting.created_at),
        "ended_at": iso_ts(meeting.ended_at),
        "active": meeting.active,
        "join_url": join_url(app, meeting.number),
        "qr_png_url": f"{app[SETTINGS].public_url}/m/{meeting.number}/qr.png",
    }


async def meeting_details(app: web.Application, meeting: Meeting, viewer: User) -> dict[str, Any]:
    """The full meeting payload: summary, attendees, who is online, activities with results."""
    attendees = await list_attendees(app[DB], meeting.id)
    by_id = {u.id: u for u in attendees}
    organizer = by_id.get(meeting.organizer_id)
    if organizer is None:
        organizer = (await get_users(app[DB], [meeting.organizer_id])).get(meeting.organizer_id)
    body = meeting_summary(app, meeting, organizer)
    body["attendees"] = [u.as_json() for u in attendees]
    body["online"] = await app[REALTIME].online_users(meeting.id)
    body["activities"] = await activities_json(app[DB], meeting.id, viewer.id)
    return body


async def create(request: web.Request) -> web.Response:
    """POST /api/meetings {"title"}: open a meeting under a fresh number; 201 with details."""
    user = await require_user(request)
    body = await read_json(request)
    title = text_field(body, "title", max_len=100)
    app = request.app
    try:
        meeting = await open_meeting(app[DB], title, user.id, app[CLOCK].time())
    except NumbersExhausted:
        raise ApiError(
            503, "numbers_exhausted", "every meeting number is in use; end a meeting first"
        ) from None
    log.info("meeting %s opened by %s", meeting.number, user.userid)
    return web.json_response(await meeting_details(app, meeting, user), status=201)


async def list_mine(request: web.Request) -> web.Response:
    """GET /api/meetings: meetings I organize or attend, newest first."""
    user = await require_user(request)
    meetings = await list_user_meetings(request.app[DB], user.id)
    organizers = await get_users(request.app[DB], {m.organizer_id for m in meetings})
    items = [meeting_summary(request.app, m, organizers.get(m.organizer_id)) for m in meetings]
    return web.json_response({"meetings": items})


async def details(request: web.Request) -> web.Response:
    """GET /api/meetings/{number}: attendees only."""
    meeting, user = await meeting_for(request)
    return web.json_response(await meeting_details(request.app, meeting, user))


async def join(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/join: any signed-in user joins an active meeting (idempotent)."""
    number = request.match_info["number"]
    if not valid_number(number):
        raise not_found("meeting")
    user = await require_user(request)
    app = request.app
    meeting = await meeting_by_number(app[DB], number)
    if meeting is None:
        raise not_found("meeting")
    if not meeting.active:
        raise conflict("the meeting has ended", "meeting_ended")
    added = await join_meeting(app[DB], meeting.id, user.id, app[CLOCK].time())
    if added:
        joined = {"number": number, "joined": user.as_json()}
        await app[EVENTS].activity(meeting.id, "meeting", "updated", joined)
    # Nothing added and not an attendee: the meeting ended between the read and the insert.
    elif not await is_attendee(app[DB], meeting.id, user.id):
        raise conflict("the meeting has ended", "meeting_ended")
    return web.json_response(await meeting_details(app, meeting, user))


async def end(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/end: the organizer ends the meeting and frees its number."""
    meeting, user = await meeting_for(request, organizer=True, live=True)
    app = request.app
    now = app[CLOCK].time()
    if not await end_meeting(app[DB], meeting.id, now):
        raise conflict("the meeting has ended", "meeting_ended")
    ended = Meeting(
        meeting.id, meeting.number, meeting.title, meeting.organizer_id, meeting.created_at, now
    )
    summary = meeting_summary(app, ended, user)
    # The frame closes the room: every socket of the meeting gets it, then MEETING_ENDED.
    await app[EVENTS].activity(meeting.id, "meeting", "ended", summary, closes=True)
    log.info("meeting %s ended by %s", meeting.number, user.userid)
    return web.json_response(await meeting_details(app, ended, user))


async def qr_png(request: web.Request) -> web.StreamResponse:
    """GET /m/{number}/qr.png: a live meeting's join link as a QR code (public: it only
    encodes the number); rendered once, then answered from memory or with a 304."""
    number = request.match_info["number"]
    # Only live meetings: rendering any of 100,000 numbers on request was a CPU lever.
    meeting = await meeting_by_number(request.app[DB], number) if valid_number(number) else None
    if meeting is None or not meeting.active:
        raise web.HTTPNotFound()
    image = await join_qr_async(join_url(request.app, number))
    headers = {"Cache-Control": "public, max-age=3600", "ETag": image.etag}
    if_none_match = request.headers.get("If-None-Match", "")
    if if_none_match.strip() == "*" or image.etag in if_none_match:
        return web.Response(status=304, headers=headers)
    return web.Response(body=image.png, content_type="image/png", headers=headers)


async def qrcode_data_url(request: web.Request) -> web.Response:
    """POST /api/qrcode {"url"}: a data URL of a QR code, for links into this hub only."""
    user = await require_user(request)
    body = await read_json(request)
    text = text_field(body, "url", max_len=MAX_QR_TEXT)
    url = hub_link(text, request.app[SETTINGS].public_url)
    if url is None:
        raise bad_request("only links to this hub can be turned into QR codes", "foreign_url")
    app = request.app
    per_minute = app[SETTINGS].qr_renders_per_minute
    wait = await take_render(app[CACHE], user.id, app[CLOCK].time(), per_minute)
    if wait is not None:
        raise ApiError(
            429, "qr_rate_limited", "too many QR codes; try again soon", retry_after=wait
        )
    png = await render_png_async(url)
    return web.json_response({"data_url": png_data_url(png)})


def setup_meetings(app: web.Application) -> None:
    """Register the meeting and QR routes."""
    app.router.add_post("/api/meetings", create, name="meeting_create")
    app.router.add_get("/api/meetings", list_mine, name="meeting_list")
    app.router.add_get("/api/meetings/{number}", details, name="meeting_details")
    app.router.add_post("/api/meetings/{number}/join", join, name="meeting_join")
    app.router.add_post("/api/meetings/{number}/end", end, name="meeting_end")
    app.router.add_get("/m/{number}/qr.png", qr_png, name="meeting_qr")
    app.router.add_post("/api/qrcode", qrcode_data_url, name="qrcode")
