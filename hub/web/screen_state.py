"""What a screen shows now: the presenting rule over the registered kinds, and the screen's state.

The census (how many activities, which is newest, which still exist) walks `KINDS`, so a new
kind needs nothing here: its listing's `id` and `created_at`, and its stored `created_at` for
ties, are enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from aiohttp import web

from hub.activities import KINDS
from hub.activities.kind import Json
from hub.keys import DB
from hub.meetings.presenting import (
    ActivityRef,
    Presenting,
    after_delete,
    choose,
    effective,
    stored_choice,
)
from hub.meetings.settings import AUTO_PRESENT, meeting_settings
from hub.realtime.chat import messages_json
from hub.realtime.rooms import REALTIME
from hub.storage import Database
from hub.storage.chat import last_seq, messages_after
from hub.storage.meetings import Meeting, list_attendees
from hub.storage.screens import StoredPresenting
from hub.storage.users import get_users
from hub.web.meetings import meeting_summary
from hub.web.screen_access import ScreenViewer

# The chat wall keeps this many messages; older ones fall off the screen.
WALL_MESSAGES = 50
SCREEN_VIEWER_ID = 0  # no user: listings carry no per-viewer fields


async def all_activities(db: Database, meeting_id: int) -> dict[str, list[Json]]:
    """Every activity of the meeting in its broadcast form, by plural."""
    return {kind.plural: await kind.listing(db, meeting_id, SCREEN_VIEWER_ID) for kind in KINDS}


@dataclass(frozen=True)
class Census:
    """How many activities the meeting has, the newest one, and all of them."""

    count: int
    newest: ActivityRef | None
    alive: frozenset[ActivityRef]


async def census(
    db: Database, meeting_id: int, activities: dict[str, list[Json]] | None = None
) -> Census:
    """The meeting's activities, counted (`activities`: a listing already read)."""
    listed = activities if activities is not None else await all_activities(db, meeting_id)
    alive = frozenset(
        ActivityRef(kind.name, int(item["id"]))
        for kind in KINDS
        for item in listed.get(kind.plural, [])
    )
    best: list[tuple[str, Any, Json]] = []
    for kind in KINDS:
        items = listed.get(kind.plural, [])
        if items:
            top = max(items, key=lambda item: (str(item.get("created_at") or ""), int(item["id"])))
            best.append((str(top.get("created_at") or ""), kind, top))
    if not best:
        return Census(len(alive), None, alive)
    newest_second = max(stamp for stamp, _, _ in best)
    tied = [(kind, item) for stamp, kind, item in best if stamp == newest_second]
    if len(tied) > 1:
        # The API's times are whole seconds: ask storage which of the same second came last.
        async def stored_time(kind: Any, item: Json) -> float:
            activity = await kind.load(db, int(item["id"]))
            return float(getattr(activity, "created_at", 0.0) or 0.0)

        stamps = [(await stored_time(kind, item), kind, item) for kind, item in tied]
        _, kind, item = max(stamps, key=lambda s: s[0])
    else:
        kind, item = tied[0]
    return Census(len(alive), ActivityRef(kind.name, int(item["id"])), alive)


class Shown(NamedTuple):
    """What a screen presents, whether auto_present is on, the activity count, and the version
    of the organizer's last choice (0 before any)."""

    presenting: Presenting
    auto: bool
    activities: int
    version: int


async def current(
    db: Database, meeting_id: int, activities: dict[str, list[Json]] | None = None
) -> Shown:
    """What the screen presents now (`activities`: a listing already read)."""
    settings = await meeting_settings(db, meeting_id)
    auto = bool(settings[AUTO_PRESENT.name])
    counted = await census(db, meeting_id, activities)
    stored = await stored_choice(db, meeting_id)
    version = stored.version if stored else 0
    shown = effective(stored, auto, counted.count, counted.newest, counted.alive)
    return Shown(shown, auto, counted.count, version)


async def restate_after_delete(
    db: Database, meeting_id: int, gone: ActivityRef, before: Shown, now: float
) -> Shown:
    """Store the organizer's choice again once `gone` is deleted (`before`: the screen just
    before the delete), at the count `after_delete` gives; returns what the screen shows."""
    after = await census(db, meeting_id)
    stored = await stored_choice(db, meeting_id)
    args = (before.presenting, before.auto, before.activities, gone, after.count, after.alive)
    choice, seen = after_delete(stored, *args)
    version = await choose(db, meeting_id, choice, seen, now)
    row = StoredPresenting(choice.show, choice.kind, choice.id, seen, now, version)
    shown = effective(row, before.auto, after.count, after.newest, after.alive)
    return Shown(shown, before.auto, after.count, version)


async def screen_state(app: web.Application, viewer: ScreenViewer) -> dict[str, Any]:
    """Everything a screen renders, in one read: it is re-read each time its socket opens."""
    db = app[DB]
    meeting: Meeting = viewer.meeting
    if not viewer.reads_content:
        # Someone who never attended an ended meeting learns only that it ended.
        ended = {"number": meeting.number, "title": "", "active": False, "ended_at": None}
        return {"meeting": ended, "controls": False}
    organizer = (await get_users(db, [meeting.organizer_id])).get(meeting.organizer_id)
    body: dict[str, Any] = {"meeting": meeting_summary(app, meeting, organizer)}
    body["controls"] = viewer.controls and meeting.active
    activities = await all_activities(db, meeting.id)
    presenting, auto, count, version = await current(db, meeting.id, activities)
    floor = await last_seq(db, meeting.id)
    page = await messages_after(db, meeting.id, max(0, floor - WALL_MESSAGES), WALL_MESSAGES)
    online = await app[REALTIME].online_users(meeting.id) if meeting.active else []
    body.update(
        presenting=presenting.as_json(),
        presenting_version=version,
        auto_present=auto,
        activities=activities,
        messages=await messages_json(db, page),
        last_seq=floor,
        online=len(online),
        summary={
            "attendees": len(await list_attendees(db, meeting.id)),
            "messages": floor,
            "activities": count,
        },
    )
    return body
