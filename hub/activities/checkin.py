"""签到 check-ins: attendees check in with the code the screen shows, which changes every 15 s.

The code is an HMAC of the check-in's own secret and the 15-second window, so every process
derives the same code without storing it. The current code and the one before it are accepted
(someone typing as it changes is not refused); an older one is refused as `stale_code`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from hub.activities.cells import iso, safe, users_of, who
from hub.activities.kind import (
    ActionContext,
    ActivityKind,
    Json,
    Outcome,
    Rows,
    ViewContext,
    closed,
)
from hub.clock import iso_ts
from hub.errors import bad_request, conflict
from hub.meetings.qr import png_data_url, render_png_async
from hub.storage import checkins
from hub.storage.checkins import Checkin
from hub.storage.database import Executor
from hub.storage.meetings import Meeting
from hub.validate import text_field

WINDOW = 15
# How far back a code is recognised as one the screen showed (then `stale_code`, else wrong).
RECOGNISED_WINDOWS = 240
DIGITS = 6


def code_at(checkin: Checkin, window: int) -> str:
    """The code of the 15-second window `window` (unix seconds // 15)."""
    mac = hmac.new(bytes.fromhex(checkin.secret), f"{checkin.id}:{window}".encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 10**DIGITS:0{DIGITS}d}"


def current_code(checkin: Checkin, now: float) -> Json:
    """`{"code", "expires_at"}`: the code shown now and when it changes (unix seconds)."""
    window = int(now // WINDOW)
    return {"code": code_at(checkin, window), "expires_at": (window + 1) * WINDOW}


def check_code(checkin: Checkin, code: str, now: float) -> None:
    """Accept the current or the previous code; 409 `stale_code` for an older one, 400 else."""
    window = int(now // WINDOW)
    if any(hmac.compare_digest(code, code_at(checkin, window - k)) for k in (0, 1)):
        return
    if any(code == code_at(checkin, window - k) for k in range(2, RECOGNISED_WINDOWS)):
        raise conflict("this code has expired: use the one on the screen now", "stale_code")
    raise bad_request("this is not the check-in code", "wrong_code")


def new_checkin(body: Json) -> str:
    """`{"title"}` (签到 when absent)."""
    if body.get("title") is None:
        return "签到"
    return text_field(body, "title", max_len=200)


def checkin_json(checkin: Checkin, latest: list[Any], mine: Json | None) -> Json:
    """The payload: counts and the latest arrivals (userid, name, time), newest first."""
    return {
        "id": checkin.id,
        "title": checkin.title,
        "status": checkin.status,
        "checked_in": checkin.checked_in,
        "joined": checkin.joined,
        "entries": [
            {"userid": r["userid"], "name": r["name"], "at": iso_ts(float(r["checked_in_at"]))}
            for r in latest
        ],
        "my_checkin": None if mine is None else mine.get("my_checkin"),
        "created_at": iso_ts(checkin.created_at),
        "closed_at": iso_ts(checkin.closed_at),
        "version": checkin.version,
    }


async def create(ctx: ActionContext, title: str) -> int:
    """Store a new open check-in with a fresh secret."""
    secret = secrets.token_hex(32)
    return await checkins.create_checkin(ctx.db, ctx.meeting.id, title, secret, ctx.now)


async def payload(ex: Executor, checkin: Checkin, meeting: Meeting) -> Json:
    """The broadcast form: one read for the latest arrivals."""
    del meeting
    latest = (await checkins.latest_entries(ex, [checkin.id]))[checkin.id]
    return checkin_json(checkin, latest, None)


def _mine(checkin: Checkin, viewer_id: int, at: float | None, now: float) -> Json:
    mine: Json = {"my_checkin": iso_ts(at)}
    if viewer_id == checkin.organizer_id and checkin.open:
        # The organizer's own view shows the code too, as GET .../code does.
        mine["code"] = current_code(checkin, now)
    return mine


async def mine(ex: Executor, checkin: Checkin, viewer_id: int) -> Json:
    """When this viewer checked in (None before); the organizer also gets the current code."""
    at = (await checkins.checked_in_at(ex, [checkin.id], viewer_id)).get(checkin.id)
    return _mine(checkin, viewer_id, at, time.time())


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's check-ins with this viewer's arrival."""
    found = await checkins.list_checkins(ex, meeting_id)
    ids = [c.id for c in found]
    latest = await checkins.latest_entries(ex, ids)
    times = await checkins.checked_in_at(ex, ids, viewer_id)
    now = time.time()
    return [
        {**checkin_json(c, latest[c.id], None), **_mine(c, viewer_id, times.get(c.id), now)}
        for c in found
    ]


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per arrival (a check-in nobody used gets one row without a person)."""
    rows: Rows = [["checkin_id", "title", "status", "checked_in", "joined", "userid", "name", "at"]]
    entries = await checkins.entry_rows(ex, meeting_id)
    users = await users_of(ex, (e["user_id"] for e in entries))
    by_checkin: dict[int, list[Any]] = {}
    for e in entries:
        by_checkin.setdefault(int(e["checkin_id"]), []).append(e)
    for c in await checkins.list_checkins(ex, meeting_id):
        base = [c.id, safe(c.title), c.status, c.checked_in, c.joined]
        for e in by_checkin.get(c.id) or [None]:
            person = who(users, int(e["user_id"])) if e else ["", ""]
            rows.append([*base, *person, iso(e["checked_in_at"]) if e else ""])
    return rows


CHECKIN = ActivityKind(
    name="checkin",
    plural="checkins",
    label="check-in",
    parse=new_checkin,
    create=create,
    load=checkins.get_checkin,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={"title": "签到"},
    remove=checkins.delete_unused_checkin,  # nobody checked in
)


@CHECKIN.view("code", who="presenter")
async def code(ctx: ViewContext, checkin: Checkin) -> Json:
    """`{"code", "expires_at", "qr"}`: the code the screen shows now, when it changes, and the
    code as a QR image (a PNG data URL) for phones to scan (organizer or screen)."""
    if not checkin.open:
        raise closed(CHECKIN.label)
    shown = current_code(checkin, ctx.now)
    return {**shown, "qr": png_data_url(await render_png_async(shown["code"]))}


@CHECKIN.action("checkin", event="updated", example=lambda made: {"code": made["code"]["code"]})
async def check_in(ctx: ActionContext, checkin: Checkin) -> Outcome:
    """`{"code"}`: the current or previous code (409 `stale_code` for older); once per person
    (checking in again answers the first arrival and changes nothing)."""
    given = ctx.body.get("code")
    if not isinstance(given, str) or not given.isascii() or not given.isdigit():
        raise bad_request("'code' must be the digits shown on the screen", "bad_checkin_code")
    if not checkin.open:
        raise closed(CHECKIN.label)
    check_code(checkin, given, ctx.now)
    try:
        await checkins.check_in(ctx.db, checkin.id, ctx.user.id, ctx.now)
    except checkins.AlreadyCheckedIn:
        return Outcome(changed=False)
    except checkins.CheckinClosed:
        raise closed(CHECKIN.label) from None
    return Outcome(mine={"my_checkin": iso_ts(ctx.now)})


@CHECKIN.action("close", event="closed", organizer=True)
async def close(ctx: ActionContext, checkin: Checkin) -> None:
    """Close an open check-in (409 closed when it already is)."""
    try:
        await checkins.close_checkin(ctx.db, checkin.id, ctx.now)
    except checkins.CheckinClosed:
        raise closed(CHECKIN.label) from None
