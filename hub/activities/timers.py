"""Timers of any activity kind: a create body's `duration_s` or `closes_at`, `closes_at` in the
activity's JSON, and moving it (extend).

A kind is timed when it has an organizer action named by its `close_action` ("close" unless it
says otherwise): at `closes_at` the timer loop (hub.activities.timer_loop) runs that action once,
as the organizer would. The deadline lives in `activity_timer`, beside the kind's own tables. Reads
of `closes_at` go through the cache (read-through, dropped on every change), so showing it costs a
hot path such as a vote no SQL statement.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from hub.activities.kind import Action, ActivityKind, Json
from hub.cache import Cache
from hub.errors import bad_request
from hub.storage import activity_timers
from hub.storage.database import Executor

log = logging.getLogger(__name__)

MAX_DURATION = 7 * 24 * 3600
_NONE = "-"
_TTL = 24 * 3600.0
# Bumped on every schedule: timer loops skip the database until it moves or a timer is due.
GENERATION_KEY = "activity-timers:generation"


def close_action(kind: ActivityKind[Any, Any]) -> Action[Any] | None:
    """The organizer action that ends an activity of this kind, when the kind has one."""
    action = kind.actions.get(kind.close_action)
    return action if action is not None and action.organizer else None


def _number(body: Json, name: str) -> float:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad_request(f"'{name}' must be a number of seconds", "bad_timer")
    return float(value)


def parse_deadline(body: Json, now: float, *, field: str = "duration_s") -> float | None:
    """`{"duration_s": 1..604800}` or `{"closes_at": unix seconds ahead}`: the deadline, or None."""
    if field in body and "closes_at" in body:
        raise bad_request(f"give '{field}' or 'closes_at', not both", "bad_timer")
    if body.get(field) is not None:
        seconds = _number(body, field)
        if not 1 <= seconds <= MAX_DURATION:
            raise bad_request(f"'{field}' must be 1 to {MAX_DURATION} seconds", "bad_timer")
        return now + seconds
    if body.get("closes_at") is not None:
        at = _number(body, "closes_at")
        if not now < at <= now + MAX_DURATION:
            raise bad_request("'closes_at' must be in the future, within 7 days", "bad_timer")
        return at
    return None


def timed_kind(kind: ActivityKind[Any, Any]) -> str:
    """The close action's name; 400 `no_timer` for a kind that cannot close by itself."""
    action = close_action(kind)
    if action is None:
        raise bad_request(f"a {kind.label} cannot close by itself", "no_timer")
    return action.name


def _key(kind: str, activity_id: int) -> str:
    return f"activity-timer:{kind}:{activity_id}"


async def set_deadline(
    ex: Executor,
    cache: Cache,
    kind: ActivityKind[Any, Any],
    activity_id: int,
    meeting_id: int,
    at: float | None,
) -> None:
    """Store the close deadline (None: untimed) and tell the cache and the timer loops."""
    if at is not None:
        action = timed_kind(kind)
        await activity_timers.schedule(ex, kind.name, activity_id, action, meeting_id, at)
        await bump_generation(cache)
    try:
        await cache.set(_key(kind.name, activity_id), _NONE if at is None else repr(at), ttl=_TTL)
    except Exception:
        # A stale entry must not outlive a change: without the cache, readers ask the database.
        log.warning("could not cache the deadline of %s %s", kind.name, activity_id)
        await _forget(cache, kind.name, activity_id)


async def _forget(cache: Cache, kind: str, activity_id: int) -> None:
    try:
        await cache.delete(_key(kind, activity_id))
    except Exception:
        log.warning("could not drop the cached deadline of %s %s", kind, activity_id)


async def bump_generation(cache: Cache) -> None:
    """Wake every process's timer loop (a timer was scheduled or moved)."""
    try:
        await cache.incr(GENERATION_KEY)
    except Exception:
        log.warning("could not tell the timer loops about a new timer; they poll anyway")


async def closes_at(
    ex: Executor, cache: Cache, kind: ActivityKind[Any, Any], activity_id: int
) -> float | None:
    """When the activity closes by itself (None: untimed), the cache first."""
    key = _key(kind.name, activity_id)
    try:
        cached = await cache.get(key)
    except Exception:
        cached = None
    if cached is not None:
        return None if cached == _NONE else float(cached)
    due = await activity_timers.due_at(ex, kind.name, [activity_id], kind.close_action)
    found = due.get(activity_id)
    try:
        await cache.set(key, _NONE if found is None else repr(found), ttl=_TTL)
    except Exception:
        log.debug("could not cache a deadline", exc_info=True)
    return found


async def with_deadline(
    ex: Executor, cache: Cache, kind: ActivityKind[Any, Any], data: Json
) -> Json:
    """The activity JSON with its `closes_at` (unix seconds or None)."""
    return {**data, "closes_at": await closes_at(ex, cache, kind, int(data["id"]))}


async def schedule_action(
    ctx_db: Executor,
    cache: Cache | None,
    kind: str,
    activity_id: int,
    action: str,
    meeting_id: int,
    at: float,
) -> None:
    """Run the kind's `action` on the activity at `at`, as its organizer (a quiz's reveal)."""
    await activity_timers.schedule(ctx_db, kind, activity_id, action, meeting_id, at)
    if cache is not None:
        await bump_generation(cache)
