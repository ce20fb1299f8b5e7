"""One live sync: lock, budget, full listing, one batched transaction, replays, record, event."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from hub.cache import Cache, CacheUnavailable
from hub.clock import Clock
from hub.events import EventBus
from hub.live.common import Counters, SyncAborted, SyncBusy, describe
from hub.live.lease import LOCK_NAME, Lease, hold_lock
from hub.live.quota import PAGE_SIZE, Kind, Quota, pages_for, plan_interval
from hub.live.replays import fetch_due_replays, fetch_replay_now
from hub.metrics import SyncMetrics
from hub.storage import Database, StorageError
from hub.storage import rooms as store
from hub.storage import sync_runs as runs_store
from hub.wechat.errors import QuotaExceeded, WeChatError
from hub.wechat.miniprogram import MiniProgramClient

log = logging.getLogger(__name__)

EMPTY_LIST = frozenset({9410000, 1})  # "empty room list" (old docs: errcode 1)
# The egg.js tutorial's own words for the errcodes it names; a cron job may match on them.
TUTORIAL_ERRMSG = {48001: "小程序没有直播权限"}
NEXT_RUN_KEY = "live:next_run"
GENERATION_KEY = "live:generation"

T = TypeVar("T")


class LiveSync:
    """The live mirror's engine: every getliveinfo call hub makes goes through here.

    `interval` is the shortest time between loop syncs (stretched by the quota plan);
    `leader_ttl` the TTL of the `live-sync` lock. `metrics` may be None (nothing recorded).
    """

    def __init__(
        self,
        db: Database,
        cache: Cache,
        clock: Clock,
        client: MiniProgramClient,
        events: EventBus,
        metrics: SyncMetrics | None,
        *,
        daily_quota: int,
        interval: float,
        leader_ttl: float,
    ) -> None:
        self.db = db
        self.cache = cache
        self.clock = clock
        self.client = client
        self.events = events
        self.metrics = metrics
        # Today's budget, shared by every process through the cache.
        self.quota = Quota(cache, clock, daily_quota)
        self.interval = interval
        self.leader_ttl = leader_ttl
        self._requested: set[asyncio.Task[Any]] = set()
        # Seconds spent waiting for getliveinfo answers: benches subtract it, to show hub's
        # own cost apart from WeChat's latency.
        self.waited = 0.0

    async def sync_requested(self) -> runs_store.SyncRun | None:
        """A sync an admin asked for; see `_shielded`."""
        return await self._shielded(self.sync("admin"))

    async def replay_requested(self, roomid: int) -> store.LiveRoom:
        """A room's replay fetched now because an admin asked; see `_shielded`."""
        return await self._shielded(self.replay_now(roomid))

    async def _shielded(self, work: Coroutine[Any, Any, T]) -> T:
        """Run work a request asked for (a sync, a replay) in a task of our own.

        A request cancelled mid-sync (client gone, shutdown) must not interrupt it: the
        task still commits or rolls back, records the run and releases the lock, and
        `drain()` waits for it before the pools close.
        """
        task = asyncio.create_task(work, name="live-sync-request")
        self._requested.add(task)
        task.add_done_callback(self._requested.discard)
        # Mark the outcome seen even if the request that waited for it is gone.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(task)

    async def drain(self, within: float) -> None:
        """Let requested syncs finish (for at most `within` seconds), then cancel the rest."""
        if not self._requested:
            return
        _, pending = await asyncio.wait(set(self._requested), timeout=within)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def call(
        self, kind: Kind, counters: Counters, send: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """One getliveinfo call within the budget; the caller must hold the lock."""
        quota = self.quota
        if not await quota.reserve(kind):
            reason = "halted by 45009 until the next Beijing day" if await quota.halted() else ""
            raise SyncAborted(45009, reason or f"local daily budget of {quota.budget} calls used")
        client = self.client
        before = client.calls_sent
        began = time.perf_counter()
        try:
            return await send()
        except QuotaExceeded:
            await quota.halt()
            raise
        finally:
            self.waited += time.perf_counter() - began
            sent = client.calls_sent - before
            await quota.settle(kind, sent)
            if kind == "list":
                counters.list_calls += sent
            else:
                counters.replay_calls += sent

    async def list_all(self, counters: Counters) -> list[dict[str, Any]]:
        """Every room, paging by 100 until start >= total; raises on any failure."""
        client = self.client
        rooms: dict[int, dict[str, Any]] = {}
        start = 0
        while True:
            try:
                answer = await self.call(
                    "list", counters, partial(client.get_live_rooms, start, PAGE_SIZE)
                )
            except WeChatError as exc:
                if exc.errcode not in EMPTY_LIST:
                    raise
                # On page 1 the account has no rooms; later, start went past a shrinking list.
                counters.pages += 1
                break
            counters.pages += 1
            for info in answer.get("room_info") or []:
                row = store.row_from_wechat(info) if isinstance(info, dict) else None
                if row is None:
                    log.warning("skipping a room without a usable roomid: %r", info)
                    continue
                rooms[row["roomid"]] = row
            total = answer.get("total")
            start += PAGE_SIZE
            if not isinstance(total, int) or start >= total:
                break
        counters.seen = len(rooms)
        return list(rooms.values())

    async def sync(self, trigger: str, *, force: bool = True) -> runs_store.SyncRun | None:
        """Run one sync under the lock; None when it was not due (force=False).

        Raises SyncBusy when another sync holds the lock.
        """
        async with hold_lock(self.cache, ttl=self.leader_ttl) as lease:
            if lease is None:
                raise SyncBusy()
            if not force and not await self.due():
                return None
            if self.metrics is not None:
                self.metrics.set_leader(LOCK_NAME, True)
            try:
                run = await self._run(trigger, lease)
            finally:
                if self.metrics is not None:
                    self.metrics.set_leader(LOCK_NAME, False)
            if self.metrics is not None:
                self.metrics.record_sync(
                    "ok" if run.ok else "error",
                    rooms=run.seen if run.ok else None,
                    upserted=run.upserted,
                    deleted=run.deleted,
                )
            await self.plan_next(run)
            return run

    async def replay_now(self, roomid: int) -> store.LiveRoom:
        """Fetch one room's replay at once (admin); SyncBusy while a sync holds the lock.

        Raises LookupError for a room the mirror does not hold, WeChatError or SyncAborted
        when WeChat or the budget refuses.
        """
        async with hold_lock(self.cache, ttl=self.leader_ttl) as lease:
            if lease is None:
                raise SyncBusy()
            room = await fetch_replay_now(self.db, self.clock, self.client, self.call, roomid)
            await self.changed({"event": "replay", "roomid": roomid})
            return room

    async def _run(self, trigger: str, lease: Lease) -> runs_store.SyncRun:
        db, clock = self.db, self.clock
        counters = Counters()
        started = clock.time()
        error: str | None = None
        committed = False
        moved = False  # whether the run changed anything a room page shows
        try:
            usage = await self.quota.usage()
            if usage.halted:
                raise SyncAborted(45009, "halted by 45009 until the next Beijing day")
            need = pages_for(await store.count_rooms(db))
            if usage.left < need:
                raise SyncAborted(
                    45009, f"{usage.left} calls left today, a full listing needs about {need}"
                )
            rows = await self.list_all(counters)
            changes = await store.diff_listing(db, rows)
            if lease.lost:
                raise SyncAborted(-1, "lost the live-sync lock during the listing")
            if changes.writes:
                async with db.transaction() as tx:
                    await store.apply_listing(tx, changes, clock.time())
                moved = bool(changes.upsert or changes.delete)
            counters.upserted, counters.deleted = len(changes.upsert), len(changes.delete)
            committed = True
            replays = await fetch_due_replays(
                db, clock, self.client, self.call, self.quota, counters, lease
            )
            moved = moved or replays.moved
            if replays.error:
                error = f"replays: {replays.error}"
        except (WeChatError, SyncAborted, StorageError) as exc:
            error = _run_error(exc)
            log.warning("live sync failed, nothing changed: %s", describe(exc))
        finally:
            if committed and moved:
                # The one place a run moves the room-page generation: once, after the listing
                # and the replays it saved (also when a cancellation cut the replays short),
                # and only when they changed what a page shows: an unchanged run keeps every
                # cached page and every ETag.
                await self.bump()
        run = runs_store.SyncRun(
            id=0,
            trigger=trigger,
            started_at=started,
            finished_at=clock.time(),
            ok=committed,
            error=error,
            **vars(counters),
        )
        try:
            run = await self._record(run)
        except StorageError:
            log.exception("could not record the live sync run")
        if committed:
            await self.events.live({"event": "synced", "run": run.as_json()})
        return run

    async def _record(self, run: runs_store.SyncRun) -> runs_store.SyncRun:
        run_id = await runs_store.record_run(self.db, run)
        return runs_store.SyncRun(**{**vars(run), "id": run_id})

    async def bump(self) -> None:
        """Invalidate every cached room page: a sync run's end, a replay fetched, a pin.

        A random token rather than a counter: a cache that restarts empty could count back to
        a number whose pages a process still remembers.
        """
        await self.cache.set(GENERATION_KEY, secrets.token_hex(8))

    async def changed(self, payload: dict[str, Any]) -> None:
        """After a commit outside a sync run (pin, replay): invalidate pages, tell dashboards.

        Never fails the request whose change is committed. With the cache down the bump is
        skipped: the cached pages live in that cache (unreadable meanwhile, gone if it
        restarted), and at worst one outlives the change by their 5-minute TTL.
        """
        try:
            await self.bump()
        except CacheUnavailable as exc:
            log.warning("could not invalidate the cached room pages: %s", exc)
        await self.events.live(payload)

    async def generation(self) -> str:
        """The room-list cache generation: bumped on every commit that changes the mirror."""
        return await self.cache.get(GENERATION_KEY) or "0"

    async def next_run_at(self) -> float | None:
        """When the next loop sync is due (hub clock, unix seconds), shared by every process."""
        raw = await self.cache.get(NEXT_RUN_KEY)
        return float(raw) if raw else None

    async def due(self) -> bool:
        """True when no sync is planned or its time has come."""
        at = await self.next_run_at()
        return at is None or self.clock.time() >= at

    async def plan_next(self, run: runs_store.SyncRun) -> float:
        """Plan the next loop sync so the calls left last the Beijing day; returns the delay."""
        clock = self.clock
        usage = await self.quota.usage()
        seconds_left = clock.seconds_to_beijing_midnight()
        if usage.halted:
            delay = seconds_left + 1.0
        else:
            seen = run.seen if run.ok else await store.count_rooms(self.db)
            delay = plan_interval(
                base=self.interval,
                left=usage.left,
                calls_per_sync=pages_for(seen),
                seconds_left=seconds_left,
            )
        await self.cache.set(NEXT_RUN_KEY, repr(clock.time() + delay), ttl=delay + 86400)
        return delay


def _run_error(exc: Exception) -> str:
    """The run's error text: the tutorial's errmsg where it has one, else WeChat's."""
    if isinstance(exc, WeChatError) and exc.errcode in TUTORIAL_ERRMSG:
        return f"errcode={exc.errcode}, errmsg={TUTORIAL_ERRMSG[exc.errcode]}"
    return describe(exc)


LIVE = web.AppKey("live", LiveSync)
