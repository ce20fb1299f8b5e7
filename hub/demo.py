"""Demo mode: the WeChat + WeCom simulator runs inside the hub, and both clients call it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from hub.keys import SETTINGS
from hub.simulator import RunningSimulator, SimConfig, start_simulator
from hub.wechat.endpoints import ENDPOINTS, WeChatEndpoints

log = logging.getLogger(__name__)

# A fixed seed: a restarted demo shows the same rooms (their times follow the clock).
DEMO_SEED = 20240601

SIMULATOR = web.AppKey("simulator", RunningSimulator)


async def demo_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the simulator on a real local port and use its URL and demo credentials."""
    settings = app[SETTINGS]
    config = SimConfig(rooms=settings.demo_rooms, seed=DEMO_SEED)
    sim = await start_simulator(config, host="127.0.0.1", port=settings.simulator_port)
    app[SIMULATOR] = sim
    app[ENDPOINTS] = WeChatEndpoints(
        wechat_base=sim.url,
        wecom_base=sim.url,
        wecom_oauth_base=sim.url,
        appid=config.appid,
        secret=config.secret,
        corpid=config.corpid,
        corpsecret=config.corpsecret,
        agentid=config.agentid,
    )
    log.info("demo mode: WeChat and WeCom calls go to the built-in simulator at %s", sim.url)
    yield
    await sim.close()
