"""An admin sync interrupted by shutdown still finishes, records its run and frees the lock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hub.cache import open_cache
from hub.live.lease import LOCK_NAME
from hub.settings import Settings
from hub.storage import open_database, sync_runs
from tests.conftest import AppClient
from tests.fixtures_live import ADMIN, sim_settings
from tests.fixtures_sim import Sim


async def test_shutdown_mid_admin_sync_lets_it_finish_and_release_the_lock(
    sim: Sim,
    hub_client: AppClient,
    make_settings: Callable[..., Settings],
    redis_url: str,
    prefix: str,
) -> None:
    await sim.generate(250)
    # Page 2 answers a second late, so the app shuts down while the sync waits for it.
    await sim.fault("getliveinfo", delay=1.0, skip=1)
    settings = sim_settings(make_settings, sim, redis_url=redis_url)
    client = await hub_client(settings)
    request = asyncio.create_task(client.post("/api/admin/live/sync", headers=ADMIN))
    async with asyncio.timeout(10):
        # The simulator is another server: its counters can only be polled.
        while (await sim.state())["getliveinfo_calls"] < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    await client.close()
    request.cancel()
    await asyncio.gather(request, return_exceptions=True)

    cache = await open_cache(redis_url, prefix)
    db = await open_database(settings.database_url)
    try:
        assert await cache.get(f"lock:{LOCK_NAME}") is None
        runs = await sync_runs.last_runs(db, 5)
        assert [(r.trigger, r.ok) for r in runs] == [("admin", True)]
        assert await db.fetchval("SELECT COUNT(*) FROM live_room") == 250
    finally:
        await cache.close()
        await db.close()
