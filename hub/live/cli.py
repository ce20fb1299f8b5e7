"""`python run.py sync`: one sync with only what it needs, no server; prints what it did."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import aiohttp

from hub.cache import open_cache
from hub.clock import Clock
from hub.events import EventBus
from hub.live.common import SyncBusy
from hub.live.quota import QuotaUsage
from hub.live.sync import LiveSync
from hub.settings import Settings
from hub.storage import open_database
from hub.storage.migrations import migrate
from hub.storage.sync_runs import SyncRun
from hub.wechat.ctx import build_keepers
from hub.wechat.endpoints import WeChatEndpoints
from hub.wechat.http import Transport
from hub.wechat.miniprogram import MiniProgramClient

# Where the WeChat calls go, open while the sync runs (demo mode: a simulator of its own).
Endpoints = Callable[[], AbstractAsyncContextManager[WeChatEndpoints | None]]


@asynccontextmanager
async def open_live(settings: Settings, endpoints: WeChatEndpoints) -> AsyncIterator[LiveSync]:
    """A LiveSync over storage (migrated), the cache, one HTTP session and the mini-program client.

    No loop and no metrics: the caller syncs once. Everything closes in reverse on the way out.
    """
    clock = Clock()
    db = await open_database(settings.database_url)
    try:
        await migrate(db)
        cache = await open_cache(settings.redis_url, settings.redis_prefix)
        events = EventBus(cache)
        try:
            async with aiohttp.ClientSession() as session:
                keepers = build_keepers(
                    session, cache, clock, endpoints, stable=settings.wechat_stable_token
                )
                client = MiniProgramClient(Transport(session), keepers["miniprogram"], endpoints)
                yield LiveSync(
                    db,
                    cache,
                    clock,
                    client,
                    events,
                    None,
                    daily_quota=settings.live_daily_quota,
                    interval=settings.live_sync_interval,
                    leader_ttl=settings.leader_ttl,
                )
        finally:
            await events.close()
            await cache.close()
    finally:
        await db.close()


async def sync_once(
    settings: Settings, endpoints: WeChatEndpoints | None = None
) -> tuple[SyncRun, QuotaUsage]:
    """One forced sync (trigger `cli`) and the day's quota after it."""
    async with open_live(settings, endpoints or WeChatEndpoints.from_settings(settings)) as live:
        run = await live.sync("cli")
        assert run is not None  # a forced sync always runs
        return run, await live.quota.usage()


def report(run: SyncRun, usage: QuotaUsage) -> str:
    """The lines `run.py sync` prints."""
    lines = [
        f"sync {'ok' if run.ok else 'FAILED'}" + (f": {run.error}" if run.error else ""),
        f"pages {run.pages}, rooms {run.seen}, upserted {run.upserted}, "
        f"deleted {run.deleted}, replays {run.replays}",
        f"calls this sync: list {run.list_calls}, replay {run.replay_calls}",
        f"calls today ({usage.date}, Beijing): used {usage.used} "
        f"(list {usage.list_calls}, replay {usage.replay_calls}), left {usage.left} "
        f"of {usage.budget}" + (" - halted by 45009 until tomorrow" if usage.halted else ""),
    ]
    return "\n".join(lines)


def run_sync_command(settings: Settings, endpoints: Endpoints | None = None) -> int:
    """Run one sync and print the report; exit status 1 when it failed or was busy.

    `endpoints` opens where the calls go (demo mode); by default they are the configured ones.
    """

    async def once() -> tuple[SyncRun, QuotaUsage]:
        opened = endpoints() if endpoints is not None else nullcontext(None)
        async with opened as chosen:
            return await sync_once(settings, chosen)

    try:
        run, usage = asyncio.run(once())
    except SyncBusy:
        print("hub: another process is syncing right now; try again shortly")
        return 1
    print(report(run, usage), flush=True)
    return 0 if run.ok else 1
