"""Token keeper: one fetch for many callers and processes, one refresh after a token error."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest

from hub.clock import Clock
from hub.settings import Settings
from hub.simulator.app import RunningSimulator
from hub.wechat.ctx import MP_CLIENT, TOKEN_KEEPERS, WECOM_CLIENT
from hub.wechat.errors import NotConfigured, TokenError, WeChatError
from tests.conftest import AppClient
from tests.fixtures_wechat import SIM, fast_mp, sim_get, sim_post

pytestmark = pytest.mark.sim(rooms=3)


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, str | None]:
    """Settings overrides for the in-process cache, then for Redis."""
    if request.param == "memory":
        return {"redis_url": None}
    return {"redis_url": request.getfixturevalue("redis_url")}


async def test_200_concurrent_calls_fetch_one_token(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    backend: dict[str, str | None],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings(**backend))
    mp = client.app[MP_CLIENT]
    pages = await asyncio.gather(*(mp.get_live_rooms(0, 100) for _ in range(200)))
    assert all(page["total"] == 3 for page in pages)
    state = await sim_get(sim_http, sim)
    assert state["token_calls"] == 1
    assert state["getliveinfo_calls"] == 200
    assert mp.calls_sent == 200


async def test_two_hub_instances_on_one_redis_fetch_one_token(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    redis_url: str,
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    settings = wechat_settings(redis_url=redis_url)
    first, second = await hub_client(settings), await hub_client(settings)
    assert first.app is not second.app
    calls = [c.app[MP_CLIENT].get_live_rooms(0, 10) for c in (first, second) for _ in range(100)]
    wecom = [c.app[WECOM_CLIENT].keeper.get() for c in (first, second) for _ in range(50)]
    await asyncio.gather(*calls, *wecom)
    state = await sim_get(sim_http, sim)
    assert state["token_calls"] == 1
    assert state["wecom_token_calls"] == 1
    assert state["getliveinfo_calls"] == 200
    assert "40001" not in state["errcodes"]


async def test_token_superseded_behind_our_back_refreshes_once_and_retries(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    backend: dict[str, str | None],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings(**backend))
    mp = client.app[MP_CLIENT]
    await mp.get_live_rooms(0, 100)
    # Another program fetches a token with our credentials; ours dies after the grace.
    params = {"grant_type": "client_credential", "appid": SIM.appid, "secret": SIM.secret}
    async with sim_http.get(f"{sim.url}/cgi-bin/token", params=params) as response:
        assert "access_token" in await response.json()
    await sim_post(sim_http, sim, "/_sim/clock", {"advance": 301})

    page = await mp.get_live_rooms(0, 100)
    assert page["errcode"] == 0 and page["total"] == 3
    state = await sim_get(sim_http, sim)
    assert state["token_calls"] == 3  # ours, the intruder's, and exactly one refresh
    assert state["errcodes"] == {"40001": 1}
    assert state["getliveinfo_calls"] == 3

    await mp.get_live_rooms(0, 100)  # the refreshed token keeps working
    assert (await sim_get(sim_http, sim))["token_calls"] == 3


async def test_a_token_error_that_persists_is_retried_once_not_looped(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    await sim_post(sim_http, sim, "/_sim/faults", {"getliveinfo": {"errcode": 40001, "times": 5}})
    with pytest.raises(TokenError) as caught:
        await client.app[MP_CLIENT].get_live_rooms(0, 100)
    assert caught.value.errcode == 40001
    state = await sim_get(sim_http, sim)
    assert state["getliveinfo_calls"] == 2
    assert state["token_calls"] == 2


async def test_status_shows_expiry_and_refreshes_never_the_token(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
) -> None:
    client = await hub_client(wechat_settings())
    keeper = client.app[TOKEN_KEEPERS]["miniprogram"]
    before = keeper.status()
    assert before["configured"] is True and before["refreshes"] == 0
    token = await keeper.get()
    status = keeper.status()
    assert status["refreshes"] == 1 and status["last_error"] is None
    assert status["expires_at"].endswith("Z") and status["last_refresh"].endswith("Z")
    assert token not in repr(status)


async def test_background_round_refreshes_a_token_close_to_expiry(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    clock = Clock()
    client = await hub_client(wechat_settings(), clock=clock)
    keeper = client.app[TOKEN_KEEPERS]["miniprogram"]
    first = await keeper.get()
    assert await keeper.refresh_if_due() is False  # two hours left: nothing to do
    clock.advance(7200 - 300)  # five minutes left, inside the ten-minute margin
    assert await keeper.refresh_if_due() is True
    second = await keeper.get()
    assert second != first
    assert (await sim_get(sim_http, sim))["token_calls"] == 2
    # The old token still works during WeChat's grace, so calls in flight did not fail.
    page = await fast_mp(client.app).get_live_rooms(0, 1)
    assert page["errcode"] == 0


async def test_stable_token_mode_uses_stable_token_endpoint(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings(wechat_stable_token=True))
    await asyncio.gather(*(client.app[MP_CLIENT].get_live_rooms(0, 5) for _ in range(20)))
    state = await sim_get(sim_http, sim)
    assert state["stable_token_calls"] == 1 and state["token_calls"] == 0


async def test_bad_credentials_raise_with_errcode_and_show_in_status(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
) -> None:
    client = await hub_client(wechat_settings(wechat_secret="wrong-secret-0000", wecom_corpid="x1"))
    with pytest.raises(WeChatError) as caught:
        await client.app[MP_CLIENT].get_live_rooms(0, 10)
    assert caught.value.errcode == 40125
    assert client.app[TOKEN_KEEPERS]["miniprogram"].status()["last_error"].startswith("40125")
    with pytest.raises(WeChatError) as caught:
        await client.app[WECOM_CLIENT].get_user_info("any-code")
    assert caught.value.errcode == 40013


async def test_missing_credentials_fail_clearly_without_calling_out(
    hub_client: AppClient,
    make_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(make_settings(wechat_api_base=sim.url, wecom_api_base=sim.url))
    keepers = client.app[TOKEN_KEEPERS]
    assert keepers["wecom"].status()["last_error"] == "not configured"
    with pytest.raises(NotConfigured):
        await client.app[MP_CLIENT].get_live_rooms(0, 10)
    with pytest.raises(NotConfigured):
        await client.app[WECOM_CLIENT].get_user_info("code")
    with pytest.raises(NotConfigured):
        client.app[WECOM_CLIENT].authorize_url("http://127.0.0.1:8080/auth/callback", "abc")
    state = await sim_get(sim_http, sim)
    assert state["token_calls"] == 0 and state["wecom_token_calls"] == 0


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    keeper = client.app[TOKEN_KEEPERS]["miniprogram"]
    await sim_post(sim_http, sim, "/_sim/faults", {"token": {"delay": 0.3}})
    first = asyncio.create_task(keeper.get())
    others = [asyncio.create_task(keeper.get()) for _ in range(20)]
    await asyncio.sleep(0.05)
    first.cancel()
    tokens = await asyncio.gather(*others)
    assert len(set(tokens)) == 1
    assert (await sim_get(sim_http, sim))["token_calls"] == 1


async def test_a_failing_fetch_fails_every_waiter_with_one_call(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings(wechat_appid="wx-not-ours"))
    results = await asyncio.gather(
        *(client.app[MP_CLIENT].get_live_rooms(0, 10) for _ in range(30)), return_exceptions=True
    )
    assert all(isinstance(r, WeChatError) and r.errcode == 40013 for r in results)
    state = await sim_get(sim_http, sim)
    assert state["token_calls"] == 1 and state["getliveinfo_calls"] == 0
