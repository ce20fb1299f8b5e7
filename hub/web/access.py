"""The meeting a request names and who asks: the checks every meeting route runs first.

Refused lookups by number are counted per user and per client IP (hub.meetings.throttle); past
the budget every lookup by number answers 429 `too_many_lookups` with `Retry-After` until the
window ends.
"""

from __future__ import annotations

from aiohttp import web

from hub.errors import NotFound
from hub.keys import DB
from hub.meetings.access import check_access, no_such_meeting, valid_number
from hub.meetings.throttle import LookupThrottle
from hub.storage.meetings import Meeting, get_meeting, meeting_by_number
from hub.storage.users import User
from hub.web.auth import require_user
from hub.web.errors import ApiError

LOOKUP_THROTTLE = web.AppKey("lookup_throttle", LookupThrottle)


def too_many_lookups(seconds: int) -> ApiError:
    """The 429 for an asker past their lookup budget (`retry_after` is also the header)."""
    return ApiError(
        429,
        "too_many_lookups",
        "too many meeting numbers that could not be opened; try again later",
        retry_after=seconds,
    )


async def throttle_retry_after(request: web.Request, user: User) -> int | None:
    """Seconds this user and IP must wait before looking numbers up again, or None."""
    throttle = request.app.get(LOOKUP_THROTTLE)
    return None if throttle is None else await throttle.retry_after(user.id, request.remote)


async def refuse_lookup(request: web.Request, user: User) -> Exception:
    """The answer to a refused lookup by number, counted: 404 as for a free number, or 429
    `too_many_lookups` once this user or IP went past its budget."""
    throttle = request.app.get(LOOKUP_THROTTLE)
    wait = None if throttle is None else await throttle.miss(user.id, request.remote)
    return no_such_meeting() if wait is None else too_many_lookups(wait)


async def meeting_for(
    request: web.Request, *, organizer: bool = False, live: bool = False
) -> tuple[Meeting, User]:
    """The meeting named by `{number}` and its viewer, or the fitting 404/401/403/409/429.

    A malformed number is 404 before anything else; then anonymous is 401; an unknown number
    and a meeting the user does not attend are the same 404 (counted: past the budget, 429);
    a non-organizer 403 for organizer-only acts and, with `live`, an ended meeting 409.
    """
    number = request.match_info.get("number", "")
    if not valid_number(number):
        raise no_such_meeting()
    user = await require_user(request)
    db = request.app[DB]
    meeting = await meeting_by_number(db, number)
    try:
        found = await check_access(
            db, meeting, user, organizer=organizer, live=live, by_number=True
        )
    except NotFound:
        raise await refuse_lookup(request, user) from None
    return found, user


async def meeting_by_id_for(
    request: web.Request, meeting_id: int, *, organizer: bool = False, live: bool = False
) -> tuple[Meeting, User]:
    """Like `meeting_for`, for routes that name an activity and so know the meeting's id.

    An outsider gets 403 here, as before: activity ids name no meeting number, so telling
    "not yours" from "no such activity" gives a number scan nothing.
    """
    user = await require_user(request)
    db = request.app[DB]
    meeting = await get_meeting(db, meeting_id)
    found = await check_access(db, meeting, user, organizer=organizer, live=live)
    return found, user
