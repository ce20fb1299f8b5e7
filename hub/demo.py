"""Demo mode: the WeChat + WeCom simulator runs inside the hub, and both clients call it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from aiohttp import web

from hub.keys import SETTINGS
from hub.settings import Settings
from hub.simulator import RunningSimulator, SimConfig, start_simulator
from hub.wechat.endpoints import ENDPOINTS, WeChatEndpoints

log = logging.getLogger(__name__)

# A fixed seed: a restarted demo shows the same rooms (their times follow the clock).
DEMO_SEED = 20240601
# Where the demo simulator listens unless HUB_SIMULATOR_PORT says otherwise: a fixed port keeps
# the replay links it handed out (stored in the mirror) valid across restarts.
DEMO_SIMULATOR_PORT = 9100

SIMULATOR = web.AppKey("simulator", RunningSimulator)
ADMIN_TOKEN_FILE = "admin_token"


def generated_admin_token(settings: Settings) -> str | None:
    """The admin token when demo mode generated it (the one kept in HUB_DATA_DIR), else None.

    A token the operator configured is a real credential: it never goes to stdout.
    """
    if not settings.demo:
        return None
    kept = settings.data_dir / ADMIN_TOKEN_FILE
    try:
        generated = kept.read_text().strip()
    except OSError:
        return None
    return settings.admin_token if generated == settings.admin_token else None


def demo_banner(settings: Settings) -> str:
    """The line `serve` prints in demo mode: the generated admin token, never a configured one."""
    head = "hub: demo mode (built-in WeChat simulator). Admin token:"
    token = generated_admin_token(settings)
    if token is None:
        return f"{head} the configured HUB_ADMIN_TOKEN (not shown)"
    return f"{head} {token} (kept in {settings.data_dir / ADMIN_TOKEN_FILE})"


@asynccontextmanager
async def demo_simulator(
    settings: Settings,
) -> AsyncIterator[tuple[RunningSimulator, WeChatEndpoints]]:
    """The simulator on a real local port, and endpoints with its URL and demo credentials."""
    config = SimConfig(rooms=settings.demo_rooms, seed=DEMO_SEED)
    sim = await _start(config, settings.simulator_port)
    try:
        pointed = replace(settings, **config.hub_settings(sim.url))
        log.info("demo mode: WeChat and WeCom calls go to the built-in simulator at %s", sim.url)
        yield sim, WeChatEndpoints.from_settings(pointed)
    finally:
        await sim.close()


async def _start(config: SimConfig, port: int) -> RunningSimulator:
    """On `port`; with 0, on DEMO_SIMULATOR_PORT when it is free, else on any free port."""
    if port:
        return await start_simulator(config, host="127.0.0.1", port=port)
    try:
        return await start_simulator(config, host="127.0.0.1", port=DEMO_SIMULATOR_PORT)
    except OSError:
        log.info("port %d is taken: the demo simulator takes a free one", DEMO_SIMULATOR_PORT)
        return await start_simulator(config, host="127.0.0.1", port=0)


async def demo_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the simulator while the app lives; set ENDPOINTS before wechat_ctx builds the clients."""
    async with demo_simulator(app[SETTINGS]) as (sim, endpoints):
        app[SIMULATOR] = sim
        app[ENDPOINTS] = endpoints
        yield
