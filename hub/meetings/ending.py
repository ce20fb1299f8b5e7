"""A meeting's proper ending: every open activity closed through its kind, once it ended.

Each registered kind closes the same way: its organizer action `close` when it has one (stop
taking input: a lottery nobody drew is closed undrawn, not drawn for people who left), else its
`close_action` (what a timer runs). Each close pushes its frame like the organizer's own would,
so phones and screens show results (a hidden poll's counts) before the ended frame closes them.
"""

from __future__ import annotations

import logging
from typing import Any

from hub.activities import KINDS
from hub.activities.frames import broadcast_form, publish_state
from hub.activities.kind import DONE, Action, ActionContext, ActivityKind, Json
from hub.activities.publisher import ActivityPublisher
from hub.activities.timers import close_action
from hub.cache import Cache
from hub.errors import HubError
from hub.events import EventBus
from hub.storage.database import Database
from hub.storage.meetings import Meeting
from hub.storage.users import get_user

log = logging.getLogger(__name__)

AnyKind = ActivityKind[Any, Any]


def closer(kind: AnyKind) -> Action[Any] | None:
    """The action that closes an activity of this kind at the meeting's end, if any."""
    own = kind.actions.get("close")
    if own is not None and own.organizer:
        return own
    return close_action(kind)


async def close_open_activities(
    db: Database,
    cache: Cache,
    publisher: ActivityPublisher,
    events: EventBus,
    meeting: Meeting,
    now: float,
) -> list[Json]:
    """Close every open activity of the meeting that just ended and push each close; returns
    what the kinds report of the end (a red packet's returned shares), one item per activity.

    Closing runs the kinds' organizer actions directly (no access check: the meeting is no
    longer live); their storage closes rows of an ended meeting like any other."""
    organizer = await get_user(db, meeting.organizer_id)
    reports: list[Json] = []
    if organizer is None:  # pragma: no cover - users are never deleted
        return reports
    ctx = ActionContext(db, meeting, organizer, {}, now, cache)
    for kind in KINDS:
        action = closer(kind)
        for item in await kind.listing(db, meeting.id, organizer.id):
            if action is not None and item.get("status") == "open":
                await _close(ctx, publisher, events, kind, action, int(item["id"]))
            if kind.end_report is not None:
                report = await _report(db, cache, kind, meeting, int(item["id"]))
                if report is not None:
                    reports.append({"kind": kind.name, "id": int(item["id"]), **report})
    return reports


async def _close(
    ctx: ActionContext,
    publisher: ActivityPublisher,
    events: EventBus,
    kind: AnyKind,
    action: Action[Any],
    activity_id: int,
) -> None:
    activity = await kind.load(ctx.db, activity_id)
    if activity is None:  # deleted meanwhile
        return
    try:
        outcome = await action.run(ctx, activity) or DONE
    except HubError as exc:
        # Closed meanwhile by its organizer or its timer: the end goes on.
        log.info("end of meeting %s: %s %s: %s", ctx.meeting.number, kind.name, activity_id, exc)
        return
    if outcome.changed and ctx.cache is not None:
        await publish_state(
            ctx.db, ctx.cache, publisher, events, kind, ctx.meeting, activity_id, action.event
        )


async def _report(
    db: Database, cache: Cache, kind: AnyKind, meeting: Meeting, activity_id: int
) -> Json | None:
    activity = await kind.load(db, activity_id)
    if activity is None or kind.end_report is None:
        return None
    return kind.end_report(await broadcast_form(db, cache, kind, activity, meeting))
