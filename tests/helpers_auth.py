"""Test helpers for signing users in through the simulator's WeCom authorize page, over HTTP.

Reuse from any test module (`sim`, `make_settings` and `hub_client` are fixtures):

    from tests.helpers_auth import login, new_browser, sim_settings

    async def test_x(sim, make_settings, hub_client):
        client = await hub_client(sim_settings(make_settings, sim.url))
        await login(client, sim.url, "zhangsan")           # the TestClient's own cookie jar
        async with new_browser(client) as lisi:             # a second user, own cookies
            await login(lisi, sim.url, "lisi")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from yarl import URL

from hub.settings import Settings
from hub.simulator import SimConfig

SIM = SimConfig(rooms=0)

Browser = TestClient[Any, Any] | aiohttp.ClientSession


def sim_settings(
    make_settings: Callable[..., Settings], sim_url: str, **overrides: Any
) -> Settings:
    """Test settings whose WeChat and WeCom clients talk to the simulator at `sim_url`."""
    return make_settings(**{**SIM.hub_settings(sim_url), **overrides})


def new_browser(client: TestClient[Any, Any]) -> aiohttp.ClientSession:
    """Another browser (its own cookie jar) for the hub behind `client`; use `async with`."""
    return aiohttp.ClientSession(
        base_url=str(client.make_url("")), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )


async def authorize(browser: Browser, sim_url: str, userid: str, next_path: str = "/") -> str:
    """Start a login and approve it at the simulator as `userid`; returns hub's callback path.

    The callback is not visited yet, so tests can replay or tamper with it.
    """
    del sim_url  # the authorize URL hub redirects to already names the simulator
    resp = await browser.get("/auth/login", params={"next": next_path}, allow_redirects=False)
    assert resp.status == 302, await resp.text()
    authorize_url = resp.headers["Location"].partition("#")[0]
    async with aiohttp.ClientSession() as plain:
        approved = await plain.get(authorize_url + "&userid=" + userid, allow_redirects=False)
        assert approved.status == 302, await approved.text()
        back = URL(approved.headers["Location"])
    assert back.path == "/auth/callback"
    return str(back.relative())


async def login(browser: Browser, sim_url: str, userid: str, next_path: str = "/") -> str:
    """Sign `userid` in on this browser through the whole OAuth flow; returns where hub sent it."""
    callback = await authorize(browser, sim_url, userid, next_path)
    resp = await browser.get(callback, allow_redirects=False)
    assert resp.status == 302, await resp.text()
    location: str = resp.headers["Location"]
    return location
