"""Screen routes: presenting, meeting settings, screen links and the screen's state.

- `GET|PUT /api/meetings/{number}/presenting`: the organizer (cookie) or a screen link
  (`Authorization: Screen <token>`); a PUT pushes a `presenting` frame to every socket.
- `GET|PATCH /api/meetings/{number}/settings`: the organizer; unknown keys are a 400.
- `POST|GET /api/meetings/{number}/screen-links`, `DELETE .../screen-links/{id}`: the organizer.
- `GET /api/meetings/{number}/screen`: what a screen renders (cookie or link).
"""

from __future__ import annotations

import logging

from aiohttp import web

from hub.activities import KINDS
from hub.clock import iso_ts
from hub.errors import NotFound, bad_request, conflict, not_found
from hub.events import EVENTS, Envelope
from hub.keys import CLOCK, DB
from hub.meetings.presenting import Presenting, choose, frame, parse_presenting
from hub.meetings.screen_links import create_link, link_url
from hub.meetings.settings import AUTO_PRESENT, change_settings, meeting_settings, parse_changes
from hub.storage.meetings import Meeting
from hub.storage.screens import list_screen_links, revoke_screen_link
from hub.web.access import meeting_for
from hub.web.screen_access import require_control, screen_viewer
from hub.web.screen_state import census, current, screen_state
from hub.web.validate import path_int, read_json
from hub.web.ws_screen import SCREENS_CHANNEL, setup_ws_screen

log = logging.getLogger(__name__)

_KIND_NAMES = tuple(kind.name for kind in KINDS)
_BY_NAME = {kind.name: kind for kind in KINDS}


def _live(meeting: Meeting) -> None:
    if not meeting.active:
        raise conflict("the meeting has ended", "meeting_ended")


async def _check_activity(request: web.Request, meeting: Meeting, choice: Presenting) -> None:
    """400 for an activity that does not exist or belongs to another meeting."""
    if choice.show != "activity" or choice.kind is None or choice.id is None:
        return
    try:
        _, owner = await _BY_NAME[choice.kind].locate(request.app[DB], choice.id)
    except NotFound:
        raise bad_request("no such activity", "bad_activity") from None
    if owner.id != meeting.id:
        raise bad_request("the activity belongs to another meeting", "foreign_activity")


async def get_presenting(request: web.Request) -> web.Response:
    """GET presenting: what the screen shows now."""
    viewer = await screen_viewer(request)
    require_control(viewer)
    presenting, _, _, _ = await current(request.app[DB], viewer.meeting.id)
    return web.json_response(presenting.as_json())


async def put_presenting(request: web.Request) -> web.Response:
    """PUT presenting: the organizer (or a screen link) chooses; every screen switches."""
    viewer = await screen_viewer(request)
    require_control(viewer)
    meeting = viewer.meeting
    _live(meeting)
    choice = parse_presenting(await read_json(request), _KIND_NAMES)
    await _check_activity(request, meeting, choice)
    app = request.app
    db = app[DB]
    count = (await census(db, meeting.id)).count
    version = await choose(db, meeting.id, choice, count, app[CLOCK].time())
    auto = bool((await meeting_settings(db, meeting.id))[AUTO_PRESENT.name])
    await app[EVENTS].meeting(meeting.id, frame(choice, auto, version))
    return web.json_response(choice.as_json())


async def get_settings(request: web.Request) -> web.Response:
    """GET settings: every key with its value (defaults for keys never set)."""
    meeting, _ = await meeting_for(request, organizer=True)
    return web.json_response(await meeting_settings(request.app[DB], meeting.id))


async def patch_settings(request: web.Request) -> web.Response:
    """PATCH settings: change some keys; turning auto_present off keeps what is on screen."""
    meeting, _ = await meeting_for(request, organizer=True, live=True)
    changes = parse_changes(await read_json(request))
    app = request.app
    db = app[DB]
    now = app[CLOCK].time()
    before, was_auto, count, _ = await current(db, meeting.id)
    after = await change_settings(db, meeting.id, changes, now)
    auto = bool(after[AUTO_PRESENT.name])
    if auto != was_auto:
        # Off: what auto_present showed becomes the choice. On: only activities created from
        # now on take the screen, not the newest of the past.
        version = await choose(db, meeting.id, before, count, now)
        await app[EVENTS].meeting(meeting.id, frame(before, auto, version))
    return web.json_response(after)


async def create_screen_link(request: web.Request) -> web.Response:
    """POST screen-links {}: 201 `{"id", "url", "created_at"}`; the token is shown only here."""
    meeting, user = await meeting_for(request, organizer=True, live=True)
    body = await read_json(request)
    if body:
        raise bad_request("a screen link takes no fields", "bad_request")
    app = request.app
    link, token = await create_link(app[DB], meeting.id, user.id, app[CLOCK].time())
    log.info("screen link %s created for meeting %s", link.id, meeting.number)
    answer = {"id": link.id, "url": link_url(token), "created_at": iso_ts(link.created_at)}
    return web.json_response(answer, status=201)


async def list_links(request: web.Request) -> web.Response:
    """GET screen-links: the links that still work, without their tokens."""
    meeting, _ = await meeting_for(request, organizer=True)
    links = await list_screen_links(request.app[DB], meeting.id)
    items = [{"id": link.id, "created_at": iso_ts(link.created_at)} for link in links]
    return web.json_response({"links": items})


async def delete_link(request: web.Request) -> web.Response:
    """DELETE screen-links/{id}: revoke it; every screen open on it closes at once (4410)."""
    meeting, _ = await meeting_for(request, organizer=True)
    link_id = path_int(request, "id")
    app = request.app
    if not await revoke_screen_link(app[DB], meeting.id, link_id, app[CLOCK].time()):
        raise not_found("screen link")
    revoked = Envelope.of({"type": "screen_link_revoked", "id": link_id}, meeting=meeting.id)
    await app[EVENTS].publish(SCREENS_CHANNEL, revoked)
    log.info("screen link %s of meeting %s revoked", link_id, meeting.number)
    return web.Response(status=204)


async def get_screen(request: web.Request) -> web.Response:
    """GET screen: the meeting, presenting, activities, the chat wall and the online count."""
    viewer = await screen_viewer(request)
    return web.json_response(await screen_state(request.app, viewer))


def setup_screen(app: web.Application) -> None:
    """Register the screen routes and the screen websockets."""
    base = "/api/meetings/{number}"
    app.router.add_get(f"{base}/presenting", get_presenting, name="presenting_get")
    app.router.add_put(f"{base}/presenting", put_presenting, name="presenting_put")
    app.router.add_get(f"{base}/settings", get_settings, name="settings_get")
    app.router.add_patch(f"{base}/settings", patch_settings, name="settings_patch")
    app.router.add_post(f"{base}/screen-links", create_screen_link, name="screen_link_create")
    app.router.add_get(f"{base}/screen-links", list_links, name="screen_link_list")
    app.router.add_delete(f"{base}/screen-links/{{id}}", delete_link, name="screen_link_delete")
    app.router.add_get(f"{base}/screen", get_screen, name="screen_state")
    setup_ws_screen(app)
