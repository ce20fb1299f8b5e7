"""The meeting a request names and who asks: the checks every meeting route runs first."""

from __future__ import annotations

from aiohttp import web

from hub.errors import not_found
from hub.keys import DB
from hub.meetings.access import check_access, valid_number
from hub.storage.meetings import Meeting, get_meeting, meeting_by_number
from hub.storage.users import User
from hub.web.auth import require_user


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
    db = request.app[DB]
    meeting = await meeting_by_number(db, number)
    return await check_access(db, meeting, user, organizer=organizer, live=live), user


async def meeting_by_id_for(
    request: web.Request, meeting_id: int, *, organizer: bool = False, live: bool = False
) -> tuple[Meeting, User]:
    """Like `meeting_for`, for routes that name an activity and so know the meeting's id."""
    user = await require_user(request)
    db = request.app[DB]
    meeting = await get_meeting(db, meeting_id)
    return await check_access(db, meeting, user, organizer=organizer, live=live), user
