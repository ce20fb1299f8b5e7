"""The routes every kind gets beyond create, read and act: moving its timer and its views.

`POST /api/<plural>/{id}/extend` (organizer, live meeting, open activity) with `{"seconds"}` (added
to the deadline, or to now when untimed) or `{"closes_at"}`: the activity closes by itself then,
and an `extended` frame shows the new `closes_at`. `GET /api/<plural>/{id}/<view>` serves a kind's
views (hub.activities.kind.View), such as a check-in's rotating code.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.activities import KINDS
from hub.activities.frames import broadcast_form, publish_state
from hub.activities.kind import ActivityKind, View, ViewContext
from hub.activities.publisher import ACTIVITIES
from hub.activities.timer_loop import timer_loop_ctx
from hub.activities.timers import close_action, closes_at, parse_deadline, set_deadline
from hub.errors import bad_request, conflict, forbidden, not_found
from hub.events import EVENTS
from hub.keys import CACHE, CLOCK, DB
from hub.meetings.access import check_access
from hub.web.auth import require_user
from hub.web.screen_access import link_token, viewer_of_link
from hub.web.validate import path_id, read_json

AnyKind = ActivityKind[Any, Any]
EXTEND_EVENT = "extended"


def activity_id_of(request: web.Request, kind: AnyKind) -> int:
    """The `{id}` of the path; 404 naming the kind when it is not a plain number."""
    value = path_id(request.match_info.get("id", ""))
    if value is None:
        raise not_found(kind.label)
    return value


def extend_handler(kind: AnyKind) -> Handler:
    """POST /api/<plural>/{id}/extend: a new deadline for an open activity."""

    async def extend(request: web.Request) -> web.StreamResponse:
        activity_id = activity_id_of(request, kind)
        user = await require_user(request)
        db, cache = request.app[DB], request.app[CACHE]
        activity, meeting = await kind.locate(db, activity_id)
        await check_access(db, meeting, user, organizer=True, live=True)
        body = await read_json(request)
        now = request.app[CLOCK].time()
        current = await broadcast_form(db, cache, kind, activity, meeting)
        if current.get("status") != "open":
            raise conflict(f"the {kind.label} is closed", "closed")
        base = current["closes_at"] if current["closes_at"] is not None else now
        at = parse_deadline(body, base, field="seconds")
        if at is None:
            raise bad_request("give 'seconds' or 'closes_at'", "bad_timer")
        await set_deadline(db, cache, kind, activity.id, meeting.id, at)
        fresh = await publish_state(
            db,
            cache,
            request.app[ACTIVITIES],
            request.app[EVENTS],
            kind,
            meeting,
            activity.id,
            EXTEND_EVENT,
        )
        data = fresh[1] if fresh else await broadcast_form(db, cache, kind, activity, meeting)
        data = {**data, "closes_at": await closes_at(db, cache, kind, activity.id)}
        return web.json_response({**data, **await kind.mine(db, activity, user.id)})

    return extend


def view_handler(kind: AnyKind, view: View[Any]) -> Handler:
    """GET /api/<plural>/{id}/<view>: the kind's read, for whom the view allows."""

    async def read(request: web.Request) -> web.StreamResponse:
        activity_id = activity_id_of(request, kind)
        db = request.app[DB]
        token = link_token(request) if view.who == "presenter" else None
        if token is not None:
            # A screen link of the activity's meeting (`Authorization: Screen <token>`).
            linked, _ = await viewer_of_link(request, token)
            activity, meeting = await kind.locate(db, activity_id)
            if linked.id != meeting.id:
                raise forbidden("this screen link is for another meeting")
        else:
            user = await require_user(request)
            activity, meeting = await kind.locate(db, activity_id)
            organizer = view.who in ("organizer", "presenter")
            await check_access(db, meeting, user, organizer=organizer, live=False)
        ctx = ViewContext(db, meeting, request.app[CLOCK].time())
        return web.json_response(await view.run(ctx, activity))

    return read


def setup_activity_timers(app: web.Application) -> None:
    """Each timed kind's extend route, each kind's views, and this process's timer loop."""
    add = app.router.add_route
    for kind in KINDS:
        if close_action(kind) is not None and "extend" not in kind.actions:
            path = f"/api/{kind.plural}/{{id}}/extend"
            add("POST", path, extend_handler(kind), name=f"{kind.name}_extend")
        for view in kind.views.values():
            path = f"/api/{kind.plural}/{{id}}/{view.name}"
            add("GET", path, view_handler(kind, view), name=f"{kind.name}_{view.name}")
    app.cleanup_ctx.append(timer_loop_ctx)
