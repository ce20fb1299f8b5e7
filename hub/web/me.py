"""The signed-in person's own things: `GET /api/me/meetings`, meetings they organize or joined."""

from __future__ import annotations

from aiohttp import web

from hub.clock import iso_ts
from hub.keys import DB
from hub.storage.attendance import MyMeeting, meetings_of
from hub.web.auth import require_user
from hub.web.validate import query_int

PAGE_SIZE = 20


def my_meeting_json(meeting: MyMeeting) -> dict[str, object]:
    """One meeting of the list: what it is, my role, its status and date, and its record."""
    return {
        "number": meeting.number,
        "title": meeting.title,
        "role": meeting.role,
        "status": meeting.status,
        "created_at": iso_ts(meeting.created_at),
        "ended_at": iso_ts(meeting.ended_at),
        "attendees": meeting.attendees,
        # The meeting page is also the ended meeting's record (results and, for its
        # organizer, exports).
        "url": f"/m/{meeting.number}",
    }


async def my_meetings(request: web.Request) -> web.Response:
    """GET /api/me/meetings?page=1: organized or joined, newest first, PAGE_SIZE a page."""
    user = await require_user(request)
    page = query_int(request, "page", default=1, lo=1, hi=100_000)
    found, total = await meetings_of(
        request.app[DB], user.id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return web.json_response(
        {
            "meetings": [my_meeting_json(m) for m in found],
            "total": total,
            "page": page,
            "page_size": PAGE_SIZE,
        }
    )


def setup_me(app: web.Application) -> None:
    """Register the signed-in person's routes."""
    app.router.add_get("/api/me/meetings", my_meetings, name="api_me_meetings")
