"""Fixtures for the WeChat client tests: hub settings that point at the `sim` simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from hub.keys import HTTP
from hub.settings import Settings
from hub.simulator import SimConfig
from hub.simulator.app import RunningSimulator
from hub.wechat.ctx import TOKEN_KEEPERS
from hub.wechat.endpoints import ENDPOINTS
from hub.wechat.http import Transport
from hub.wechat.miniprogram import MiniProgramClient
from hub.wechat.wecom import WeComClient

SIM = SimConfig()
FAST = (0.01, 0.02, 0.04)


@pytest.fixture
async def sim_http() -> AsyncIterator[aiohttp.ClientSession]:
    """The test's own HTTP session for the simulator's hooks (never hub's)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def wechat_settings(
    make_settings: Callable[..., Settings], sim: RunningSimulator
) -> Callable[..., Settings]:
    """Settings with both WeChat credentials and every base URL on the simulator."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "wechat_appid": SIM.appid,
            "wechat_secret": SIM.secret,
            "wecom_corpid": SIM.corpid,
            "wecom_secret": SIM.corpsecret,
            "wecom_agentid": SIM.agentid,
            "wechat_api_base": sim.url,
            "wecom_api_base": sim.url,
            "wecom_oauth_base": sim.url,
        }
        values.update(overrides)
        return make_settings(**values)

    return make


async def sim_get(session: aiohttp.ClientSession, sim: RunningSimulator) -> dict[str, Any]:
    """The simulator's counters (GET /_sim/state)."""
    async with session.get(f"{sim.url}/_sim/state") as response:
        assert response.status == 200
        state: dict[str, Any] = await response.json()
        return state


async def sim_post(
    session: aiohttp.ClientSession, sim: RunningSimulator, path: str, body: Any
) -> dict[str, Any]:
    """POST a JSON body to a /_sim/ hook and return its answer."""
    async with session.post(f"{sim.url}{path}", json=body) as response:
        assert response.status == 200, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer


def fast_mp(app: web.Application) -> MiniProgramClient:
    """A mini-program client on the app's keeper with tiny retry delays."""
    transport = Transport(app[HTTP], retry_delays=FAST)
    return MiniProgramClient(transport, app[TOKEN_KEEPERS]["miniprogram"], app[ENDPOINTS])


def fast_wecom(app: web.Application) -> WeComClient:
    """A WeCom client on the app's keeper with tiny retry delays."""
    transport = Transport(app[HTTP], retry_delays=FAST)
    return WeComClient(transport, app[TOKEN_KEEPERS]["wecom"], app[ENDPOINTS])
