"""Meeting routes: create, list, details, join, end, who may join; QR codes of join links."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from hub.activities import activities_json
from hub.activities.publisher import ACTIVITIES
from hub.background import periodic
from hub.clock import iso_ts
from hub.errors import bad_request, conflict, forbidden
from hub.events import EVENTS
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.meetings.access import may_join, no_such_meeting, read_access, read_passcode, valid_number
from hub.meetings.ending import close_open_activities
from hub.meetings.guests import may_come, may_create
from hub.meetings.idle import IDLE_ENDER, IdleEnder
from hub.meetings.limits import MEETING_LIMITS, limits_from
from hub.meetings.numbers import NumbersExhausted, open_meeting
from hub.meetings.qr import (
    MAX_QR_TEXT,
    hub_link,
    join_qr_async,
    png_data_url,
    render_png_async,
    take_render,
)
from hub.meetings.screen_links import find_link
from hub.meetings.throttle import LookupThrottle
from hub.metrics import metrics_of
from hub.realtime.rooms import REALTIME
from hub.storage.attendance import attendances
from hub.storage.meeting_access import (
    add_invites,
    list_invites,
    remove_invites,
    set_meeting_access,
)
from hub.storage.meetings import (
    Meeting,
    end_meeting_locked,
    is_attendee,
    join_meeting,
    list_user_meetings,
    meeting_by_number,
)
from hub.storage.users import User, get_users
from hub.validate import text_field
from hub.web.access import (
    LOOKUP_THROTTLE,
    meeting_for,
    refuse_lookup,
    throttle_retry_after,
    too_many_lookups,
)
from hub.web.auth import current_user, require_user
from hub.web.errors import ApiError
from hub.web.limits import form_limits
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


def attendee_json(user: User, joined_at: float) -> dict[str, Any]:
    """A person in the attendee list: the public user and when they joined (签到), ISO UTC."""
    return {**user.as_json(), "joined_at": iso_ts(joined_at)}


async def meeting_details(app: web.Application, meeting: Meeting, viewer: User) -> dict[str, Any]:
    """The full meeting payload: summary, attendees, who is online, activities with results.

    Every attendee sees whether a passcode is set and the access mode; only the organizer sees
    the passcode itself and the invitation list.
    """
    seen = await attendances(app[DB], meeting.id)
    by_id = {a.user.id: a.user for a in seen}
    organizer = by_id.get(meeting.organizer_id)
    if organizer is None:
        organizer = (await get_users(app[DB], [meeting.organizer_id])).get(meeting.organizer_id)
    body = meeting_summary(app, meeting, organizer)
    body["attendees"] = [attendee_json(a.user, a.joined_at) for a in seen]
    body["online"] = await app[REALTIME].online_users(meeting.id)
    body["activities"] = await activities_json(app[DB], meeting.id, viewer.id)
    # The bounds the create forms show before submit, from the modules that enforce them.
    body["limits"] = form_limits()
    body["access"] = meeting.access
    body["has_passcode"] = meeting.passcode is not None
    if viewer.id == meeting.organizer_id:
        body["passcode"] = meeting.passcode
        body["invited"] = await list_invites(app[DB], meeting.id)
    return body


_USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
MAX_INVITED = 500


def read_invited(raw: object) -> list[str] | None:
    """The invited WeCom userids of a request body (absent: None, nothing changes)."""
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_INVITED:
        raise bad_request(f"invited must be a list of at most {MAX_INVITED} userids", "bad_invited")
    for userid in raw:
        if not isinstance(userid, str) or not userid.isascii() or not _USERID.fullmatch(userid):
            raise bad_request("each invited userid must be a WeCom userid", "bad_invited")
    return list(dict.fromkeys(raw))


async def _save_invited(app: web.Application, meeting_id: int, invited: list[str]) -> None:
    """Make the invitation list exactly `invited`."""
    async with app[DB].transaction() as tx:
        current = set(await list_invites(tx, meeting_id))
        await remove_invites(tx, meeting_id, sorted(current - set(invited)))
        added = [u for u in invited if u not in current]
        if added:
            await add_invites(tx, meeting_id, added, app[CLOCK].time())


async def create(request: web.Request) -> web.Response:
    """POST /api/meetings {"title", "passcode"?, "access"?, "invited"?}: a meeting under a fresh
    number; 201 with details, 409 `too_many_open_meetings` past the organizer's cap."""
    user = await require_user(request)
    if not may_create(user.provider, request.app[SETTINGS].wechat_may_create):
        raise forbidden(
            "only members of the organization can create meetings", "guests_cannot_create"
        )
    body = await read_json(request)
    title = text_field(body, "title", max_len=100)
    passcode = read_passcode(body.get("passcode"))
    access = read_access(body.get("access"))
    invited = read_invited(body.get("invited"))
    app = request.app
    try:
        meeting = await open_meeting(
            app[DB],
            title,
            user.id,
            app[CLOCK].time(),
            passcode=passcode,
            access=access,
            cap=app[MEETING_LIMITS].open_per_user,
        )
    except NumbersExhausted:
        raise ApiError(
            503, "numbers_exhausted", "every meeting number is in use; end a meeting first"
        ) from None
    if invited:
        await _save_invited(app, meeting.id, invited)
    log.info("meeting %s opened by %s", meeting.number, user.userid)
    return web.json_response(await meeting_details(app, meeting, user), status=201)


async def change_access(request: web.Request) -> web.Response:
    """PUT /api/meetings/{number}/access {"passcode"?, "access"?, "invited"?}: the organizer
    changes who may join from now on (attendees stay); absent fields keep their value."""
    meeting, user = await meeting_for(request, organizer=True, live=True)
    body = await read_json(request)
    passcode = read_passcode(body["passcode"]) if "passcode" in body else meeting.passcode
    access = read_access(body["access"]) if "access" in body else meeting.access
    invited = read_invited(body.get("invited"))
    app = request.app
    await set_meeting_access(app[DB], meeting.id, passcode, access)
    if invited is not None:
        await _save_invited(app, meeting.id, invited)
    changed = dataclasses.replace(meeting, passcode=passcode, access=access)
    log.info("meeting %s access changed to %s by %s", meeting.number, access, user.userid)
    return web.json_response(await meeting_details(app, changed, user))


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
    """POST /api/meetings/{number}/join {"passcode"?}: join a live meeting (idempotent).

    Attendees get the meeting back (409 once it ended). Anyone else joins when the meeting lets
    them (hub.meetings.access.may_join); every refusal is the 404 of a free number and counts
    against the asker's lookup budget, checked first (429 `too_many_lookups` past it).
    """
    number = request.match_info["number"]
    if not valid_number(number):
        raise no_such_meeting()
    user = await require_user(request)
    # A join without a passcode may come with no body at all (as it always could).
    body = await read_json(request) if request.content_length else {}
    passcode = body.get("passcode")
    app = request.app
    meeting = await meeting_by_number(app[DB], number)
    if meeting is not None and await is_attendee(app[DB], meeting.id, user.id):
        if not meeting.active:
            raise conflict("the meeting has ended", "meeting_ended")
        return web.json_response(await meeting_details(app, meeting, user))
    wait = await throttle_retry_after(request, user)
    if wait is not None:
        raise too_many_lookups(wait)
    allowed = (
        meeting is not None
        and await may_come(app[DB], meeting, user.provider)  # its `guests` setting (issue 21)
        and await may_join(app[DB], meeting, user, passcode if isinstance(passcode, str) else None)
    )
    if meeting is None or not allowed:
        # Unknown, ended, not open to this user or a wrong passcode: all the same to the asker.
        raise await refuse_lookup(request, user)
    now = app[CLOCK].time()
    if not await join_meeting(app[DB], meeting.id, user.id, now):
        if not await is_attendee(app[DB], meeting.id, user.id):
            # It ended between the read and the insert (a second join's insert adds nothing).
            raise await refuse_lookup(request, user)
    else:
        joined = {"number": number, "joined": attendee_json(user, now)}
        await app[EVENTS].activity(meeting.id, "meeting", "updated", joined)
    return web.json_response(await meeting_details(app, meeting, user))


async def end(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/end: the organizer ends the meeting and frees its number."""
    meeting, user = await meeting_for(request, organizer=True, live=True)
    ended = await end_and_announce(request.app, meeting, user)
    if ended is None:
        raise conflict("the meeting has ended", "meeting_ended")
    log.info("meeting %s ended by %s", meeting.number, user.userid)
    return web.json_response(await meeting_details(request.app, ended, user))


async def end_and_announce(
    app: web.Application, meeting: Meeting, organizer: User | None, **extra: Any
) -> Meeting | None:
    """End a live meeting (after writes in flight) and send the ended frame; None if it had
    already ended. `extra` goes into the frame's data (e.g. who ended it).

    Then every open activity is closed, each with its own frame (hub.meetings.ending), so
    phones and screens show the results before the ended frame closes their sockets; the
    ended frame's `returned` lists what the kinds report back (unclaimed red packet shares).
    """
    ended_at = await end_meeting_locked(app[DB], meeting.id, app[CLOCK].time)
    if ended_at is None:
        return None
    ended = dataclasses.replace(meeting, ended_at=ended_at)
    # After the end, so no activity created meanwhile stays open (creates are refused now).
    returned = await close_open_activities(
        app[DB], app[CACHE], app[ACTIVITIES], app[EVENTS], ended, app[CLOCK].time()
    )
    summary = {**meeting_summary(app, ended, organizer), "returned": returned, **extra}
    # The frame closes the room: every socket of the meeting gets it, then MEETING_ENDED.
    await app[EVENTS].activity(meeting.id, "meeting", "ended", summary, closes=True)
    return ended


async def _may_see_qr(request: web.Request, meeting: Meeting) -> bool:
    """An attendee (cookie) or the meeting's own screen link (`?ticket=`): those who know it."""
    db = request.app[DB]
    ticket = request.query.get("ticket")
    if ticket:
        link = await find_link(db, ticket)
        return link is not None and link.active and link.meeting_id == meeting.id
    user = await current_user(request)
    return user is not None and await is_attendee(db, meeting.id, user.id)


async def qr_png(request: web.Request) -> web.StreamResponse:
    """GET /m/{number}/qr.png[?ticket=LINK]: a live meeting's join link as a QR code, for its
    attendees and its screen links; rendered once, then answered from memory or with a 304.

    Anyone else gets the free-number 404 for every number: a 200 only for live meetings would
    let a scan of this route tell live numbers from free ones (issue 13, F2), and rendering any
    of 100,000 numbers on request was a CPU lever (F9).
    """
    number = request.match_info["number"]
    meeting = await meeting_by_number(request.app[DB], number) if valid_number(number) else None
    if meeting is None or not meeting.active or not await _may_see_qr(request, meeting):
        raise web.HTTPNotFound()
    image = await join_qr_async(join_url(request.app, number))
    headers = {"Cache-Control": "private, max-age=3600", "ETag": image.etag}
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
    wait = await take_render(app[CACHE], user.id, per_minute)
    if wait is not None:
        raise ApiError(
            429, "qr_rate_limited", "too many QR codes; try again soon", retry_after=wait
        )
    png = await render_png_async(url)
    return web.json_response({"data_url": png_data_url(png)})


async def meetings_ctx(app: web.Application) -> AsyncIterator[None]:
    """The lookup throttle and the idle ender's loop (every process runs it; the database
    lets one end each meeting)."""
    limits = app[MEETING_LIMITS]
    app[LOOKUP_THROTTLE] = LookupThrottle(app[CACHE], limits)

    async def summary(meeting: Meeting) -> dict[str, Any]:
        # Runs once the idle meeting ended, before its ended frame: its activities close as at
        # an organizer's end (hub.meetings.ending), their frames first.
        returned = await close_open_activities(
            app[DB], app[CACHE], app[ACTIVITIES], app[EVENTS], meeting, app[CLOCK].time()
        )
        organizer = (await get_users(app[DB], [meeting.organizer_id])).get(meeting.organizer_id)
        return {**meeting_summary(app, meeting, organizer), "returned": returned}

    ender = IdleEnder(app[DB], app[EVENTS], app[CLOCK], limits, metrics_of(app), summary)
    app[IDLE_ENDER] = ender
    async with periodic("meetings-idle", ender.step, limits.idle_check_every):
        yield


def setup_meetings(app: web.Application) -> None:
    """Register the meeting and QR routes, and the throttle and idle ender's context."""
    app[MEETING_LIMITS] = limits_from(app[SETTINGS])
    app.cleanup_ctx.append(meetings_ctx)
    app.router.add_post("/api/meetings", create, name="meeting_create")
    app.router.add_get("/api/meetings", list_mine, name="meeting_list")
    app.router.add_get("/api/meetings/{number}", details, name="meeting_details")
    app.router.add_post("/api/meetings/{number}/join", join, name="meeting_join")
    app.router.add_post("/api/meetings/{number}/end", end, name="meeting_end")
    app.router.add_put("/api/meetings/{number}/access", change_access, name="meeting_access")
    app.router.add_get("/m/{number}/qr.png", qr_png, name="meeting_qr")
    app.router.add_post("/api/qrcode", qrcode_data_url, name="qrcode")
