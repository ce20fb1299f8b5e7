"""Nickname guests: POST /api/meetings/{number}/guest {"nickname", "avatar"?} signs a visitor in.

Only a live meeting whose `guests` setting is `anyone` takes them (403 `guests_not_allowed`
elsewhere). Every attempt counts against the client IP's budget first (429 `too_many_guests`),
so the route cannot scan numbers faster than guests may sign in; at most HUB_GUESTS_PER_MEETING
guests (2,000 at most) sit in one meeting (409 `guests_full`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.errors import bad_request
from hub.events import EVENTS
from hub.keys import CACHE, CLOCK, DB, SETTINGS
from hub.meetings.access import no_such_meeting, valid_number
from hub.meetings.guests import GuestDoor, TooManyGuestsFromHere
from hub.storage.attendance import joined_at
from hub.storage.meetings import is_attendee, meeting_by_number
from hub.storage.users import get_user
from hub.validate import text_field
from hub.web.auth import SESSION_ID_KEY, USER_KEY, current_user
from hub.web.errors import ApiError
from hub.web.meetings import attendee_json, meeting_details
from hub.web.sessions import LIVE_SESSIONS, get_session, new_session
from hub.web.validate import read_json

log = logging.getLogger(__name__)

GUEST_DOOR = web.AppKey("guest_door", GuestDoor)
NICKNAME_MAX = 32


def read_avatar(raw: object) -> str | None:
    """An optional avatar: an https URL of at most 500 characters."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.startswith("https://") or len(raw) > 500:
        raise bad_request("'avatar' must be an https URL")
    if not raw.isascii() or any(ch.isspace() for ch in raw):
        raise bad_request("'avatar' must be an https URL")
    return raw


async def join_as_guest(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/guest: sign a visitor in as a guest and seat them."""
    number = request.match_info.get("number", "")
    if not valid_number(number):
        raise no_such_meeting()
    body = await read_json(request)
    nickname = text_field(body, "nickname", max_len=NICKNAME_MAX)
    avatar = read_avatar(body.get("avatar"))
    app = request.app
    viewer = await current_user(request)
    meeting = await meeting_by_number(app[DB], number)
    seated = (
        meeting is not None
        and meeting.active
        and viewer is not None
        and await is_attendee(app[DB], meeting.id, viewer.id)
    )
    if seated and meeting is not None and viewer is not None:
        # Already inside (a guest tapping twice): no second guest.
        return web.json_response(await meeting_details(app, meeting, viewer))
    door = app[GUEST_DOOR]
    try:
        await door.count_ip(request.remote)
    except TooManyGuestsFromHere as exc:
        raise ApiError(429, exc.code, exc.message, retry_after=exc.retry_after) from None
    if meeting is None or not meeting.active:
        raise no_such_meeting()
    guest_id = await door.admit(meeting, nickname, avatar)
    guest = await get_user(app[DB], guest_id)
    if guest is None:  # pragma: no cover - the row was just written
        raise no_such_meeting()
    session = await get_session(request)
    previous = session.get(SESSION_ID_KEY)
    if isinstance(previous, str):
        await app[LIVE_SESSIONS].end(previous)  # the guest replaces this browser's session
    fresh = await new_session(request)
    fresh[USER_KEY] = guest.id
    fresh[SESSION_ID_KEY] = await app[LIVE_SESSIONS].start(guest.id)
    seated_at = await joined_at(app[DB], meeting.id, guest.id)
    person = guest.as_json() if seated_at is None else attendee_json(guest, seated_at)
    joined = {"number": number, "joined": person}
    await app[EVENTS].activity(meeting.id, "meeting", "updated", joined)
    log.info("guest %d joined meeting %s", guest.id, number)
    return web.json_response(await meeting_details(app, meeting, guest))


async def guest_door_ctx(app: web.Application) -> AsyncIterator[None]:
    """The guest door, once storage and the cache are open."""
    s = app[SETTINGS]
    app[GUEST_DOOR] = GuestDoor(
        app[DB], app[CACHE], app[CLOCK], s.guests_per_meeting, s.guests_per_ip, s.guests_ip_window
    )
    yield


def setup_guests(app: web.Application) -> None:
    """The guest door's context and its route."""
    app.cleanup_ctx.append(guest_door_ctx)
    app.router.add_post("/api/meetings/{number}/guest", join_as_guest, name="meeting_guest")
