"""Admin meeting routes: list every meeting and end any live one (F3: recovery without SQL)."""

from __future__ import annotations

import logging

from aiohttp import web

from hub.errors import bad_request
from hub.keys import DB
from hub.meetings.access import no_such_meeting, valid_number
from hub.storage.meetings import NUMBER_SPACE, count_all_open, list_meetings, meeting_by_number
from hub.storage.users import get_users
from hub.web.admin import require_admin
from hub.web.meetings import end_and_announce, meeting_summary
from hub.web.validate import query_int

log = logging.getLogger(__name__)

PAGE_SIZE = 50
STATUSES = ("live", "ended", "all")


async def list_all(request: web.Request) -> web.Response:
    """GET /api/admin/meetings?status=live|ended|all&page=N: every meeting, newest first."""
    await require_admin(request)
    status = request.query.get("status") or "all"
    if status not in STATUSES:
        raise bad_request("status must be live, ended or all", "bad_status")
    page = query_int(request, "page", default=1, lo=1, hi=NUMBER_SPACE * 100)
    db = request.app[DB]
    meetings, total = await list_meetings(
        db, None if status == "all" else status, (page - 1) * PAGE_SIZE, PAGE_SIZE
    )
    organizers = await get_users(db, {m.organizer_id for m in meetings})
    items = []
    for m in meetings:
        item = meeting_summary(request.app, m, organizers.get(m.organizer_id))
        item["access"] = m.access
        item["has_passcode"] = m.passcode is not None
        items.append(item)
    return web.json_response(
        {
            "meetings": items,
            "total": total,
            "page": page,
            "page_size": PAGE_SIZE,
            "open": await count_all_open(db),
            "pool": NUMBER_SPACE,
        }
    )


async def end_any(request: web.Request) -> web.Response:
    """POST /api/admin/meetings/{number}/end: end the live meeting holding this number."""
    await require_admin(request)
    number = request.match_info["number"]
    db = request.app[DB]
    meeting = await meeting_by_number(db, number) if valid_number(number) else None
    if meeting is None or not meeting.active:
        raise no_such_meeting()
    organizer = (await get_users(db, [meeting.organizer_id])).get(meeting.organizer_id)
    ended = await end_and_announce(request.app, meeting, organizer, ended_by="admin")
    if ended is None:  # its organizer (or the idle ender) got there first
        raise no_such_meeting()
    log.info("meeting %s ended by an admin", meeting.number)
    return web.json_response(meeting_summary(request.app, ended, organizer))


def setup_admin_meetings(app: web.Application) -> None:
    """Register the admin meeting routes."""
    app.router.add_get("/api/admin/meetings", list_all, name="admin_meetings")
    app.router.add_post("/api/admin/meetings/{number}/end", end_any, name="admin_meeting_end")
