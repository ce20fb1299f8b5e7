"""Who is asking for a meeting's screen: a signed-in user (cookie) or a screen link (token).

A screen link authenticates API calls with the header `Authorization: Screen <token>`: a header
is never sent by a browser on its own, so a foreign page cannot ride on it (no CSRF), and the
token never sits in a cookie another tab of the hub could use. The token grants exactly what the
organizer's screen may do: read the screen's state and PUT presenting, for its meeting only.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from hub.errors import forbidden, not_found
from hub.keys import DB
from hub.meetings.access import valid_number
from hub.meetings.screen_links import find_link
from hub.storage.meetings import Meeting, get_meeting, is_attendee, meeting_by_number
from hub.storage.screens import ScreenLink
from hub.storage.users import User
from hub.web.auth import require_user
from hub.web.errors import ApiError

SCHEME = "screen"


@dataclass(frozen=True)
class ScreenViewer:
    """The meeting a screen shows and who opened it."""

    meeting: Meeting
    user: User | None  # None on a screen link
    link: ScreenLink | None
    attendee: bool

    @property
    def controls(self) -> bool:
        """May this screen change what is presented (the organizer's own screen, or a link)?"""
        if self.link is not None:
            return True
        return self.user is not None and self.user.id == self.meeting.organizer_id

    @property
    def reads_content(self) -> bool:
        """May it read the chat and the activities: an attendee's screen or a link's."""
        return self.attendee or self.link is not None


def link_token(request: web.Request) -> str | None:
    """The token of an `Authorization: Screen <token>` header, else None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == SCHEME and token.strip() else None


async def viewer_of_link(request: web.Request, token: str) -> tuple[Meeting, ScreenLink]:
    """The meeting a working link opens; 401 `screen_link_invalid` for unknown or revoked."""
    db = request.app[DB]
    link = await find_link(db, token)
    meeting = None if link is None or not link.active else await get_meeting(db, link.meeting_id)
    if link is None or meeting is None:
        raise ApiError(401, "screen_link_invalid", "this screen link is unknown or was revoked")
    return meeting, link


async def screen_viewer(request: web.Request) -> ScreenViewer:
    """The viewer of `/api/meetings/{number}/...` screen routes, by link header or cookie."""
    number = request.match_info.get("number", "")
    if not valid_number(number):
        raise not_found("meeting")
    token = link_token(request)
    if token is not None:
        meeting, link = await viewer_of_link(request, token)
        if meeting.number != number:
            raise forbidden("this screen link is for another meeting")
        return ScreenViewer(meeting, None, link, attendee=False)
    user = await require_user(request)
    db = request.app[DB]
    found = await meeting_by_number(db, number)
    attendee = found is not None and await is_attendee(db, found.id, user.id)
    # A signed-in screen is an attendee's (the organizer's own, usually): to anyone else a live
    # meeting looks like a free number, as everywhere else. A meeting-room PC uses a screen link.
    if found is None or (found.active and not attendee):
        raise not_found("meeting")
    return ScreenViewer(found, user, None, attendee)


def require_control(viewer: ScreenViewer) -> None:
    """403 unless the viewer may change the screen."""
    if not viewer.controls:
        raise forbidden("only the organizer may do this")
