"""`python run.py sync`: one sync with the app's resources, no server; prints what it did."""

from __future__ import annotations

import asyncio
import dataclasses

from aiohttp import web

from hub.live.common import SyncBusy
from hub.live.quota import QuotaUsage
from hub.live.sync import LIVE
from hub.settings import Settings
from hub.storage.sync_runs import SyncRun


async def sync_once(settings: Settings) -> tuple[SyncRun, QuotaUsage]:
    """Open every resource (storage, cache, clients) through an AppRunner without a site."""
    from hub.app import create_app  # the app imports this package: import it late

    app = create_app(dataclasses.replace(settings, live_sync_enabled=False))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        live = app[LIVE]
        run = await live.sync("cli")
        assert run is not None  # a forced sync always runs
        return run, await live.quota.usage()
    finally:
        await runner.cleanup()


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


def run_sync_command(settings: Settings) -> int:
    """Run one sync and print the report; exit status 1 when it failed or was busy."""
    try:
        run, usage = asyncio.run(sync_once(settings))
    except SyncBusy:
        print("hub: another process is syncing right now; try again shortly")
        return 1
    print(report(run, usage), flush=True)
    return 0 if run.ok else 1
