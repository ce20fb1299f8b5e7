"""Activity routes for every registered kind: one create, one read and one action handler.

Each does, once for every kind: load -> access -> parse -> store -> publish -> answer. The user
is read once per request; an action reads its activity once before and once after the change
(the read after serves both the pushed frame and the answer).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.activities import KINDS
from hub.activities.frames import broadcast_form, publish_state
from hub.activities.kind import DONE, Action, ActionContext, ActivityKind, Json
from hub.activities.publisher import ACTIVITIES, ActivityPublisher
from hub.activities.timers import parse_deadline, set_deadline, timed_kind
from hub.errors import Conflict, conflict, not_found
from hub.events import EVENTS
from hub.keys import CACHE, CLOCK, DB
from hub.meetings.access import check_access
from hub.meetings.presenting import ActivityRef
from hub.meetings.presenting import frame as presenting_frame
from hub.storage import StorageError
from hub.storage.meetings import Meeting
from hub.web.access import meeting_for
from hub.web.activity_timers import activity_id_of, setup_activity_timers
from hub.web.auth import require_user
from hub.web.catchup import setup_catchup
from hub.web.export import export_csv
from hub.web.screen_state import current, restate_after_delete
from hub.web.validate import read_json
from hub.web.workbook import export_workbook

log = logging.getLogger(__name__)

AnyKind = ActivityKind[Any, Any]


async def _publish(
    request: web.Request, kind: AnyKind, meeting: Meeting, activity_id: int, event: str
) -> tuple[Any, Json] | None:
    """Push `event` with the state read under the publisher's lock; returns what it read (the
    activity and its broadcast payload), or None when a later frame will show this change."""
    app = request.app
    return await publish_state(
        app[DB], app[CACHE], app[ACTIVITIES], app[EVENTS], kind, meeting, activity_id, event
    )


async def _answer(
    request: web.Request,
    kind: AnyKind,
    meeting: Meeting,
    activity_id: int,
    viewer_id: int,
    fresh: tuple[Any, Json] | None,
    mine: Json | None = None,
) -> Json:
    """The activity as the viewer sees it after the change: the pushed read when there was one."""
    db = request.app[DB]
    if fresh is None:
        activity = await kind.load(db, activity_id)
        if activity is None:  # pragma: no cover - deleted meanwhile (an unused one may be)
            raise not_found(kind.label)
        fresh = activity, await broadcast_form(db, request.app[CACHE], kind, activity, meeting)
    activity, data = fresh
    if mine is None:
        mine = await kind.mine(db, activity, viewer_id)
    return {**data, **mine}


def create_handler(kind: AnyKind) -> Handler:
    """POST /api/meetings/{number}/<plural>: 201 with the new activity (live meetings only)."""

    async def create(request: web.Request) -> web.StreamResponse:
        organizer = kind.created_by == "organizer"
        meeting, user = await meeting_for(request, organizer=organizer, live=True)
        body = await read_json(request)
        spec = kind.parse(body)
        ctx = ActionContext(
            request.app[DB], meeting, user, {}, request.app[CLOCK].time(), request.app[CACHE]
        )
        deadline = parse_deadline(body, ctx.now)
        if deadline is not None:
            timed_kind(kind)  # 400 no_timer before anything is stored
        activity_id = await kind.create(ctx, spec)
        await set_deadline(ctx.db, request.app[CACHE], kind, activity_id, meeting.id, deadline)
        fresh = await _publish(request, kind, meeting, activity_id, "created")
        answer = await _answer(request, kind, meeting, activity_id, user.id, fresh)
        return web.json_response(answer, status=201)

    return create


def read_handler(kind: AnyKind) -> Handler:
    """GET /api/<plural>/{id}: the activity as this attendee sees it (ended meetings too)."""

    async def read(request: web.Request) -> web.StreamResponse:
        activity_id = activity_id_of(request, kind)
        user = await require_user(request)
        db = request.app[DB]
        activity, meeting = await kind.locate(db, activity_id)
        await check_access(db, meeting, user, organizer=False, live=False)
        data = await broadcast_form(db, request.app[CACHE], kind, activity, meeting)
        return web.json_response({**data, **await kind.mine(db, activity, user.id)})

    return read


def action_handler(kind: AnyKind, action: Action[Any]) -> Handler:
    """POST /api/<plural>/{id}/<action>: check who and when, act, push the event, answer."""

    async def act(request: web.Request) -> web.StreamResponse:
        activity_id = activity_id_of(request, kind)
        user = await require_user(request)
        db = request.app[DB]
        activity, meeting = await kind.locate(db, activity_id)
        await check_access(db, meeting, user, organizer=action.organizer, live=action.live)
        body = await read_json(request)
        ctx = ActionContext(db, meeting, user, body, request.app[CLOCK].time(), request.app[CACHE])
        try:
            outcome = await action.run(ctx, activity) or DONE
        except Conflict as refused:
            # Deleted between the load and the action's own write, which then found no open
            # row: told it is gone, as an action after the delete is.
            if refused.code == "closed" and await kind.load(db, activity.id) is None:
                raise not_found(kind.label) from None
            raise
        fresh = None
        if outcome.changed:
            fresh = await _publish(request, kind, meeting, activity.id, action.event)
        if outcome.answer is not None:
            return web.json_response(outcome.answer)
        answer = await _answer(request, kind, meeting, activity.id, user.id, fresh, outcome.mine)
        return web.json_response(answer)

    return act


def delete_handler(kind: AnyKind) -> Handler:
    """DELETE /api/<plural>/{id}: the organizer deletes an activity nobody has used yet (409
    `activity_used` once someone has); a `deleted` frame tells every client to drop it, and a
    `presenting` frame moves screens that showed it back to the organizer's last choice."""
    if kind.remove is None:  # pragma: no cover - only kinds that can be deleted get the route
        raise ValueError(f"{kind.name} cannot be deleted")

    async def delete(request: web.Request) -> web.StreamResponse:
        activity_id = activity_id_of(request, kind)
        user = await require_user(request)
        db = request.app[DB]
        activity, meeting = await kind.locate(db, activity_id)
        await check_access(db, meeting, user, organizer=True, live=True)
        before = await current(db, meeting.id)
        if not await kind.delete_unused(db, activity):
            raise conflict(
                f"the {kind.label} has been used and stays in the record", "activity_used"
            )
        events = request.app[EVENTS]
        data = {"id": activity.id, "version": activity.version + 1}
        await events.activity(meeting.id, kind.name, "deleted", data)
        gone = ActivityRef(kind.name, activity.id)
        now = request.app[CLOCK].time()
        try:
            after = await restate_after_delete(db, meeting.id, gone, before, now)
        except StorageError:
            # The delete is committed, so it is answered as done; screens still drop the
            # activity (the rule skips a deleted choice), only the count rule waits.
            log.exception("the screen of meeting %s was not restated after a delete", meeting.id)
        else:
            await events.meeting(
                meeting.id, presenting_frame(after.presenting, after.auto, after.version)
            )
        return web.json_response({"deleted": activity.id, "kind": kind.name})

    return delete


def setup_activities(app: web.Application) -> None:
    """Every registered kind's routes, the CSV export, the publisher that orders frames, and the
    catch-up read clients make after an outage."""
    app[ACTIVITIES] = ActivityPublisher()
    setup_catchup(app)
    add = app.router.add_route
    for kind in KINDS:
        name, plural = kind.name, kind.plural
        add(
            "POST",
            f"/api/meetings/{{number}}/{plural}",
            create_handler(kind),
            name=f"{name}_create",
        )
        add("GET", f"/api/{plural}/{{id}}", read_handler(kind), name=name)
        if kind.remove is not None:
            add("DELETE", f"/api/{plural}/{{id}}", delete_handler(kind), name=f"{name}_delete")
        for action in kind.actions.values():
            path = f"/api/{plural}/{{id}}/{action.name}"
            add("POST", path, action_handler(kind, action), name=f"{name}_{action.name}")
    add("GET", "/api/meetings/{number}/export.csv", export_csv, name="meeting_export")
    add("GET", "/api/meetings/{number}/export.xlsx", export_workbook, name="meeting_workbook")
    setup_activity_timers(app)
