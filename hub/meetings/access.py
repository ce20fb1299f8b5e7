"""Who may see or run a meeting: the rule every meeting route and socket shares, in one order."""

from __future__ import annotations

import re

from hub.errors import conflict, forbidden, not_found
from hub.storage.database import Executor
from hub.storage.meetings import Meeting, is_attendee
from hub.storage.users import User

_NUMBER = re.compile(r"^[0-9]{5}$")


def valid_number(raw: str) -> bool:
    """True for a 5-digit meeting number (leading zeros allowed)."""
    return bool(_NUMBER.fullmatch(raw))


async def check_access(
    ex: Executor, meeting: Meeting | None, user: User, *, organizer: bool, live: bool
) -> Meeting:
    """The meeting, when `user` may act on it; else NotFound, Forbidden or (with `live`) Conflict.

    An unknown meeting is NotFound, a non-attendee (or non-organizer) Forbidden and, with
    `live`, an ended meeting Conflict `meeting_ended`.
    """
    if meeting is None:
        raise not_found("meeting")
    if organizer:
        if meeting.organizer_id != user.id:
            raise forbidden("only the organizer may do this")
    elif not await is_attendee(ex, meeting.id, user.id):
        raise forbidden("join the meeting first")
    if live and not meeting.active:
        raise conflict("the meeting has ended", "meeting_ended")
    return meeting
