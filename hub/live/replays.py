"""Replays of ended rooms: fetched once, with backoff while WeChat has none, again after expiry."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from hub.clock import Clock
from hub.live.common import Counters, SyncAborted, describe
from hub.live.lease import Lease
from hub.live.quota import Kind, Quota, replay_allowance
from hub.storage import Database
from hub.storage import rooms as store
from hub.wechat.errors import (
    NotConfigured,
    QuotaExceeded,
    TokenError,
    WeChatError,
    WeChatUnavailable,
)
from hub.wechat.miniprogram import MiniProgramClient

# LiveSync.call: one getliveinfo call within the day's budget, counted in `counters`.
Call = Callable[
    [Kind, Counters, Callable[[], Awaitable[dict[str, Any]]]], Awaitable[dict[str, Any]]
]

log = logging.getLogger(__name__)

# WeChat has a replay ready about 10 minutes after a live ends: no point asking earlier.
READY_DELAY = 600.0
# While WeChat has no replay yet: ask again after 2, 5, 10, 30, 60 minutes, ... at most daily.
BACKOFF = (120.0, 300.0, 600.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0, 86400.0)
ROOM_GONE = 300022  # room not exist
DAY = 86400.0


def _expiry(segment: Any) -> float | None:
    value = segment.get("expire_time") if isinstance(segment, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def backoff(attempts: int) -> float:
    """Seconds before asking again after `attempts` empty answers in a row."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def check_from_answer(
    roomid: int, attempts: int, answer: dict[str, Any], now: float
) -> store.ReplayCheck:
    """Bookkeeping after a successful answer: segments until they expire, or a backoff."""
    segments = answer.get("live_replay")
    if not isinstance(segments, list) or not segments:
        attempts += 1
        return store.ReplayCheck(roomid, "[]", now, now + backoff(attempts), attempts, None)
    expiries = [e for e in map(_expiry, segments) if e is not None]
    expires = min(expiries) if expiries else None
    # Fetch again when the earliest URL dies; an unreadable or past expiry is retried daily.
    next_check = expires if expires is not None and expires > now else now + DAY
    return store.ReplayCheck(roomid, store.dump_json(segments), now, next_check, 0, expires)


def check_failed(roomid: int, attempts: int, now: float, errcode: int) -> store.ReplayCheck:
    """Bookkeeping after an errcode for this room: keep what is stored, ask again later."""
    attempts += 1
    delay = DAY if errcode == ROOM_GONE else backoff(attempts)
    return store.ReplayCheck(roomid, None, now, now + delay, attempts, None)


@dataclass(frozen=True)
class ReplayRound:
    """What a run's replay step did: whether any room's segments changed, and why it stopped."""

    moved: bool
    error: str | None


async def fetch_due_replays(
    db: Database,
    clock: Clock,
    client: MiniProgramClient,
    call: Call,
    quota: Quota,
    counters: Counters,
    lease: Lease,
) -> ReplayRound:
    """Fetch the replays that are due, within what the budget can spare.

    Failures here never undo the committed listing: the rooms keep their bookkeeping and are
    asked again later. The caller bumps the room-page generation once the run is over.
    """
    usage = await quota.usage()
    allowance = replay_allowance(
        left=usage.left,
        pages=max(1, counters.pages),
        seconds_left=clock.seconds_to_beijing_midnight(),
    )
    due = await store.due_replays(db, clock.time(), READY_DELAY, allowance)
    checks: list[store.ReplayCheck] = []
    error: str | None = None
    moved = False
    try:
        for roomid, attempts, stored in due:
            if lease.lost:
                error = "lost the live-sync lock"
                break
            try:
                answer = await call("replay", counters, partial(client.get_replays, roomid))
            except (
                SyncAborted,
                QuotaExceeded,
                TokenError,
                WeChatUnavailable,
                NotConfigured,
            ) as exc:
                # Nothing the next room could do better: stop here, try again next run.
                error = describe(exc)
                break
            except WeChatError as exc:
                log.info("replay of room %d: errcode %d", roomid, exc.errcode)
                checks.append(check_failed(roomid, attempts, clock.time(), exc.errcode))
                continue
            check = check_from_answer(roomid, attempts, answer, clock.time())
            counters.replays += check.expires_at is not None or check.live_replay != "[]"
            moved = moved or check.live_replay != stored
            checks.append(check)
            if len(checks) >= store.REPLAY_BATCH:
                await store.save_replays(db, checks)
                checks = []
    finally:
        if checks:
            await store.save_replays(db, checks)
    return ReplayRound(moved, error)


async def fetch_replay_now(
    db: Database, clock: Clock, client: MiniProgramClient, call: Call, roomid: int
) -> store.LiveRoom:
    """Ask WeChat for one room's replay now (an admin action), store it, return the room.

    The caller holds the `live-sync` lock, and bumps the room-page generation afterwards.
    """
    room = await store.get_room(db, roomid)
    if room is None:
        raise LookupError(roomid)
    counters = Counters()
    try:
        answer = await call("replay", counters, partial(client.get_replays, roomid))
    except WeChatError as exc:
        if not isinstance(exc, QuotaExceeded | TokenError | WeChatUnavailable | NotConfigured):
            check = check_failed(roomid, room.replay_attempts, clock.time(), exc.errcode)
            await store.save_replays(db, [check])
        raise
    await store.save_replays(db, [check_from_answer(roomid, 0, answer, clock.time())])
    updated = await store.get_room(db, roomid)
    if updated is None:
        raise LookupError(roomid)
    return updated
