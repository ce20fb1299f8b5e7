"""Who may see or run a meeting: the checks every meeting route shares, in one order."""

from __future__ import annotations

import re

from aiohttp import web

from hub.keys import DB
from hub.storage.meetings import Meeting, get_meeting, is_attendee, meeting_by_number
from hub.storage.users import User
from hub.web.auth import require_user
from hub.web.errors import ApiError, conflict, forbidden, not_found

_NUMBER = re.compile(r"^[0-9]{5}$")


def valid_number(raw: str) -> bool:
    """True for a 5-digit meeting number (leading zeros allowed)."""
    return bool(_NUMBER.match(raw))


async def _check(
    request: web.Request, meeting: Meeting | None, user: User, *, organizer: bool, live: bool
) -> tuple[Meeting, User]:
    if meeting is None:
        raise not_found("meeting")
    if organizer:
        if meeting.organizer_id != user.id:
            raise forbidden("only the organizer may do this")
    elif not await is_attendee(request.app[DB], meeting.id, user.id):
        raise forbidden("join the meeting first")
    if live and not meeting.active:
        raise conflict("the meeting has ended", "meeting_ended")
    return meeting, user


async def meeting_for(
    request: web.Request, *, organizer: bool = False, live: bool = False
) -> tuple[Meeting, User]:
    """The meeting named by `{number}` and its viewer, or the fitting 404/401/403/409.

    A malformed number is 404 before anything else; then anonymous is 401, an unknown
    number 404, a non-attendee (or non-organizer) 403 and, with `live`, an ended meeting 409.
    """
    number = request.match_info.get("number", "")
    if not valid_number(number):
        raise not_found("meeting")
    user = await require_user(request)
    meeting = await meeting_by_number(request.app[DB], number)
    return await _check(request, meeting, user, organizer=organizer, live=live)


async def meeting_by_id_for(
    request: web.Request, meeting_id: int, *, organizer: bool = False, live: bool = False
) -> tuple[Meeting, User]:
    """Like `meeting_for`, for routes that name an activity and so know the meeting's id."""
    user = await require_user(request)
    meeting = await get_meeting(request.app[DB], meeting_id)
    return await _check(request, meeting, user, organizer=organizer, live=live)


def not_an_attendee() -> ApiError:
    """The 403 the access checks give, for callers that check membership themselves."""
    return forbidden("join the meeting first")
