"""Client calls over real HTTP to the simulator: retries, errors, WeCom login, demo mode."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp
import pytest
from yarl import URL

from hub.demo import SIMULATOR
from hub.settings import Settings
from hub.simulator import SIM_STATE
from hub.simulator.app import RunningSimulator
from hub.wechat.ctx import MP_CLIENT, TOKEN_KEEPERS, WECOM_CLIENT
from hub.wechat.endpoints import ENDPOINTS
from hub.wechat.errors import QuotaExceeded, WeChatError, WeChatUnavailable
from tests.conftest import AppClient
from tests.fixtures_wechat import (
    SIM,
    fast_mp,
    fast_wecom,
    sim_get,
    sim_post,
)
from tests.servers import free_port

pytestmark = pytest.mark.sim(rooms=3)


async def test_quota_exceeded_is_not_retried(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    mp = fast_mp(client.app)
    await sim_post(sim_http, sim, "/_sim/reset", {"daily_quota": 1})
    await mp.get_live_rooms(0, 100)
    with pytest.raises(QuotaExceeded) as caught:
        await mp.get_replays(999)
    assert caught.value.errcode == 45009
    state = await sim_get(sim_http, sim)
    assert state["getliveinfo_calls"] == 1 and state["replay_calls"] == 1
    assert state["errcodes"] == {"45009": 1}
    assert mp.calls_sent == 2


async def test_busy_twice_then_success_succeeds(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    await sim_post(sim_http, sim, "/_sim/faults", {"getliveinfo": {"errcode": -1, "times": 2}})
    mp = fast_mp(client.app)
    page = await mp.get_live_rooms(0, 100)
    assert page["total"] == 3
    assert mp.calls_sent == 3
    state = await sim_get(sim_http, sim)
    assert state["getliveinfo_calls"] == 3 and state["errcodes"] == {"-1": 2}


async def test_the_default_client_retries_with_backoff_too(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    await sim_post(sim_http, sim, "/_sim/faults", {"replay": {"errcode": -1, "times": 1}})
    roomid = (await sim_get(sim_http, sim))["rooms"][0]["roomid"]
    answer = await client.app[MP_CLIENT].get_replays(roomid)
    assert answer["errcode"] == 0
    assert (await sim_get(sim_http, sim))["replay_calls"] == 2


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 502}, {"drop": True}])
async def test_http_5xx_and_dropped_connections_are_retried(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
    fault: dict[str, object],
) -> None:
    client = await hub_client(wechat_settings())
    mp = fast_mp(client.app)
    await mp.get_live_rooms(0, 1)  # token fetched first, so only getliveinfo is spoiled
    await sim_post(sim_http, sim, "/_sim/faults", {"getliveinfo": {**fault, "times": 2}})
    page = await mp.get_live_rooms(0, 100)
    assert page["total"] == 3
    assert (await sim_get(sim_http, sim))["getliveinfo_calls"] == 4


async def test_busy_past_the_retries_raises_unavailable(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    await sim_post(sim_http, sim, "/_sim/faults", {"getliveinfo": {"errcode": -1, "times": 10}})
    mp = fast_mp(client.app)
    with pytest.raises(WeChatUnavailable) as caught:
        await mp.get_live_rooms(0, 100)
    assert caught.value.errcode == -1
    assert (await sim_get(sim_http, sim))["getliveinfo_calls"] == 4  # 1 + 3 retries, bounded


async def test_slow_answers_time_out_and_are_retried(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    mp = fast_mp(client.app)
    mp.transport.timeout = aiohttp.ClientTimeout(total=0.3)
    await mp.get_live_rooms(0, 1)
    await sim_post(sim_http, sim, "/_sim/faults", {"getliveinfo": {"delay": 2, "times": 1}})
    page = await mp.get_live_rooms(0, 100)
    assert page["total"] == 3


async def test_errcodes_map_to_exceptions(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    mp = fast_mp(client.app)
    with pytest.raises(WeChatError) as caught:
        await mp.get_replays(999_999)
    assert caught.value.errcode == 300022 and "room not exist" in caught.value.errmsg
    with pytest.raises(WeChatError) as caught:
        await mp.get_live_rooms(3, 100)  # start >= total
    assert caught.value.errcode == 9410000
    await sim_post(sim_http, sim, "/_sim/faults", {"getliveinfo": {"errcode": 9410001}})
    with pytest.raises(WeChatError) as caught:
        await mp.get_live_rooms(0, 100)
    assert caught.value.errcode == 9410001
    assert (await sim_get(sim_http, sim))["getliveinfo_calls"] == 2  # 9410001 is not retried


async def test_wecom_login_and_a_used_code(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
) -> None:
    client = await hub_client(wechat_settings())
    wecom = fast_wecom(client.app)
    callback = "http://127.0.0.1:8080/auth/callback?next=/m/12345"
    url = wecom.authorize_url(callback, "abc123")
    assert url.endswith("#wechat_redirect")
    query = URL(url.split("#")[0]).query
    assert query["appid"] == SIM.corpid and query["agentid"] == SIM.agentid
    assert query["redirect_uri"] == callback and query["scope"] == "snsapi_privateinfo"
    async with sim_http.get(
        url.split("#")[0] + "&userid=chenjing", allow_redirects=False
    ) as response:
        assert response.status == 302
        back = URL(response.headers["Location"])
    assert back.query["state"] == "abc123" and back.query["next"] == "/m/12345"
    code = back.query["code"]

    info = await wecom.get_user_info(code)
    assert info["userid"] == "chenjing" and info["user_ticket"]
    detail = await wecom.get_user_detail(info["user_ticket"])
    assert detail["userid"] == "chenjing" and detail["gender"] == "2" and "name" not in detail

    with pytest.raises(WeChatError) as caught:
        await wecom.get_user_info(code)
    assert caught.value.errcode == 40029
    with pytest.raises(WeChatError) as caught:
        await wecom.get_user_detail("not-a-ticket")
    assert caught.value.errcode == 40129
    state = await sim_get(sim_http, sim)
    assert state["wecom_token_calls"] == 1 and state["getuserinfo_calls"] == 2


async def test_demo_mode_starts_the_simulator_and_points_clients_at_it(
    hub_client: AppClient, make_settings: Callable[..., Settings]
) -> None:
    # Not the demo's usual 9100: test_demo_port needs that one to itself.
    client = await hub_client(make_settings(demo=True, demo_rooms=5, simulator_port=free_port()))
    app = client.app
    simulator = app[SIMULATOR]
    assert app[ENDPOINTS].wechat_base == simulator.url == app[ENDPOINTS].wecom_base
    page = await app[MP_CLIENT].get_live_rooms(0, 100)
    assert page["total"] == 5 and len(page["room_info"]) == 5
    assert app[TOKEN_KEEPERS]["wecom"].configured
    url = app[WECOM_CLIENT].authorize_url("http://127.0.0.1:8080/auth/callback", "s1")
    assert url.startswith(f"{simulator.url}/connect/oauth2/authorize?")


async def test_no_token_or_secret_reaches_the_logs(
    hub_client: AppClient,
    wechat_settings: Callable[..., Settings],
    sim: RunningSimulator,
    sim_http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="hub")
    client = await hub_client(wechat_settings())
    mp, wecom = fast_mp(client.app), fast_wecom(client.app)
    await sim_post(
        sim_http, sim, "/_sim/faults", {"getliveinfo": [{"errcode": -1}, {"drop": True}]}
    )
    await sim_post(sim_http, sim, "/_sim/faults", {"token": {"status": 500}})
    await sim_post(sim_http, sim, "/_sim/tokens/rotate", {"kind": "mp"})
    await mp.get_live_rooms(0, 100)
    await sim_post(sim_http, sim, "/_sim/faults", {"replay": {"errcode": 40014}})
    await mp.get_replays((await sim_get(sim_http, sim))["rooms"][0]["roomid"])
    with pytest.raises(WeChatError):
        await wecom.get_user_info("some-oauth-code-123")

    tokens = list(sim.app[SIM_STATE].tokens.records)
    assert len(tokens) >= 3
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "access_token=***" in text  # the calls were logged, with the token masked
    for secret in (*tokens, SIM.secret, SIM.corpsecret, "some-oauth-code-123"):
        assert secret not in text
