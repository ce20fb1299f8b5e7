"""弹幕 on the screen: `GET/PUT /api/meetings/{number}/danmaku` with `{"on"}`.

The switch is the meeting setting `danmaku` (hub.meetings.settings); turning it on or off here
also tells every screen and phone at once with a `{"type": "danmaku", "on"}` frame, so it stops
the moment the organizer says so. The screen draws chat messages as 弹幕 while it is on
(static/js/danmaku.js).
"""

from __future__ import annotations

from aiohttp import web

from hub.activities.wordcloud import BLOCKED_WORDS
from hub.errors import forbidden
from hub.events import EVENTS
from hub.keys import CLOCK, DB
from hub.meetings.settings import DANMAKU, change_settings, meeting_settings
from hub.validate import bool_field
from hub.web.access import meeting_for
from hub.web.screen_access import screen_viewer
from hub.web.validate import read_json


async def get_danmaku(request: web.Request) -> web.Response:
    """GET: `{"on", "blocked"}`, whether 弹幕 are on (attendees, the organizer's screen and screen
    links) and, for a screen, the words it masks (the meeting's `blocked_words` once declared)."""
    viewer = await screen_viewer(request)
    if not viewer.reads_content:
        raise forbidden("join the meeting first")
    settings = await meeting_settings(request.app[DB], viewer.meeting.id)
    blocked = settings.get(BLOCKED_WORDS) or [] if viewer.controls else []
    return web.json_response({"on": bool(settings[DANMAKU.name]), "blocked": blocked})


async def put_danmaku(request: web.Request) -> web.Response:
    """PUT `{"on": true|false}` (organizer, live meeting): switch 弹幕 and tell every screen."""
    meeting, _ = await meeting_for(request, organizer=True, live=True)
    on = bool_field(await read_json(request), "on")
    app = request.app
    await change_settings(app[DB], meeting.id, {DANMAKU.name: on}, app[CLOCK].time())
    await app[EVENTS].meeting(meeting.id, {"type": "danmaku", "on": on})
    return web.json_response({"on": on})


def setup_danmaku(app: web.Application) -> None:
    """The 弹幕 switch's routes."""
    path = "/api/meetings/{number}/danmaku"
    app.router.add_get(path, get_danmaku, name="danmaku_get")
    app.router.add_put(path, put_danmaku, name="danmaku_put")
