"""Who may see, join or run a meeting: the rules every meeting route and socket share.

To someone who is not an attendee, a meeting they may not join looks exactly like a free
number (F2): the same 404 `not_found` answer, whatever the reason (unknown, ended, not open to
them, a missing or wrong passcode). Only a join that succeeds tells a number is in use, and
joins are throttled (hub.meetings.throttle) and can be closed with a passcode or an access mode.
"""

from __future__ import annotations

import hmac
import re

from hub.errors import NotFound, bad_request, conflict, forbidden
from hub.storage.database import Executor
from hub.storage.meeting_access import is_invited, share_a_department
from hub.storage.meetings import ACCESS_MODES, Meeting, is_attendee
from hub.storage.users import User

_NUMBER = re.compile(r"^[0-9]{5}$")
_PASSCODE = re.compile(r"[0-9]{4,6}")


def valid_number(raw: str) -> bool:
    """True for a 5-digit meeting number (leading zeros allowed)."""
    return bool(_NUMBER.fullmatch(raw))


def no_such_meeting() -> NotFound:
    """The one answer for a number the asker may not see: the same as for a free number."""
    return NotFound("not_found", "meeting not found")


def read_passcode(raw: object) -> str | None:
    """A meeting passcode from a request body: None or "" for none, else 4 to 6 digits."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not raw.isascii() or not _PASSCODE.fullmatch(raw):
        raise bad_request("the passcode must be 4 to 6 digits", "bad_passcode")
    return raw


def read_access(raw: object) -> str:
    """An access mode from a request body (absent: open)."""
    if raw is None:
        return "open"
    if raw not in ACCESS_MODES:
        raise bad_request("access must be open, department or invited", "bad_access")
    return str(raw)


async def check_access(
    ex: Executor,
    meeting: Meeting | None,
    user: User,
    *,
    organizer: bool,
    live: bool,
    by_number: bool = False,
) -> Meeting:
    """The meeting, when `user` may act on it; else NotFound, Forbidden or (with `live`) Conflict.

    An unknown meeting is NotFound; a non-attendee (or non-organizer) Forbidden and, with
    `live`, an ended meeting Conflict `meeting_ended`. A request that named the meeting by
    number (`by_number`) gets NotFound for a meeting it does not attend too: the answer of a
    free number. Routes that name an activity keep Forbidden, since its id names no number.
    """
    if meeting is None:
        raise no_such_meeting()
    if meeting.organizer_id != user.id:
        if not await is_attendee(ex, meeting.id, user.id):
            if by_number:
                raise no_such_meeting()
            raise forbidden(
                "only the organizer may do this" if organizer else "join the meeting first"
            )
        if organizer:
            raise forbidden("only the organizer may do this")
    if live and not meeting.active:
        raise conflict("the meeting has ended", "meeting_ended")
    return meeting


async def may_join(ex: Executor, meeting: Meeting, user: User, passcode: str | None) -> bool:
    """True when a user who is not an attendee yet may join this live meeting.

    Open meetings take anyone signed in, `department` meetings people who share one of the
    organizer's WeCom departments, `invited` ones the invited userids; a passcode, when set,
    must match as well (compared in constant time).
    """
    if not meeting.active:
        return False
    if meeting.passcode is not None and not (
        passcode is not None and hmac.compare_digest(passcode.encode(), meeting.passcode.encode())
    ):
        return False
    if meeting.access == "department":
        return await share_a_department(ex, meeting.organizer_id, user.id)
    if meeting.access == "invited":
        return await is_invited(ex, meeting.id, user.userid)
    return True
