"""Behaviour of the WeChat + WeCom simulator that hub's clients rely on."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from hub.simulator import SimConfig, create_simulator_app, start_simulator

CFG = SimConfig()
Client = TestClient[web.Request, web.Application]
MakeSim = Callable[..., Awaitable[Client]]
LIVE = "/wxa/business/getliveinfo"


@pytest.fixture
def make_sim(aiohttp_client: AiohttpClient) -> MakeSim:
    """Return a factory of test clients on a fresh simulator built from SimConfig(**kw)."""

    async def make(**kw: Any) -> Client:
        return await aiohttp_client(create_simulator_app(SimConfig(**kw)))

    return make


@pytest.fixture
async def sim(make_sim: MakeSim) -> Client:
    return await make_sim()


async def get_json(client: Client, path: str, **params: str) -> Any:
    async with client.get(path, params=params) as resp:
        assert resp.status == 200
        return await resp.json()


async def post_json(client: Client, path: str, body: Any, **params: str) -> Any:
    async with client.post(path, json=body, params=params) as resp:
        return await resp.json()


async def mp_token(client: Client, **override: str) -> Any:
    params = {"grant_type": "client_credential", "appid": CFG.appid, "secret": CFG.secret}
    return await get_json(client, "/cgi-bin/token", **(params | override))


async def live(client: Client, token: str, body: Any | None = None) -> Any:
    return await post_json(client, LIVE, body or {"start": 0, "limit": 100}, access_token=token)


async def replay(client: Client, token: str, room_id: int) -> Any:
    body = {"action": "get_replay", "room_id": room_id, "start": 0, "limit": 100}
    return await live(client, token, body)


async def advance(client: Client, seconds: float) -> None:
    assert "now" in await post_json(client, "/_sim/clock", {"advance": seconds})


def local(url: str) -> str:
    """Return the path and query of an absolute simulator URL, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def sim_state(client: Client) -> Any:
    return await get_json(client, "/_sim/state")


async def set_rooms(client: Client, rooms: list[dict[str, Any]], replace: bool = True) -> Any:
    async with client.post("/_sim/rooms", json={"rooms": rooms, "replace": replace}) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


# --- mini-program token ---------------------------------------------------------------------


async def test_token_success_has_no_errcode(sim: Client) -> None:
    answer = await mp_token(sim)
    assert set(answer) == {"access_token", "expires_in"}
    assert answer["expires_in"] == 7200
    assert len(answer["access_token"]) >= 136


@pytest.mark.parametrize(
    ("override", "errcode"),
    [
        ({"appid": "wxwrong"}, 40013),
        ({"secret": "wrong"}, 40125),
        ({"appid": ""}, 41002),
        ({"secret": ""}, 41004),
        ({"grant_type": "password"}, 40002),
    ],
)
async def test_token_rejects_bad_credentials(
    sim: Client, override: dict[str, str], errcode: int
) -> None:
    answer = await mp_token(sim, **override)
    assert answer["errcode"] == errcode
    assert " rid: " in answer["errmsg"]
    assert (await sim_state(sim))["errcodes"] == {str(errcode): 1}


async def test_new_token_supersedes_old_after_five_minute_grace(sim: Client) -> None:
    old = (await mp_token(sim))["access_token"]
    new = (await mp_token(sim))["access_token"]
    assert old != new
    await advance(sim, 299)
    assert (await live(sim, old))["errcode"] == 9410000  # still accepted: no rooms yet
    await advance(sim, 2)
    assert (await live(sim, old))["errcode"] == 40001
    assert (await live(sim, new))["errcode"] == 9410000
    assert (await sim_state(sim))["token_calls"] == 2


async def test_token_expires_after_ttl(make_sim: MakeSim) -> None:
    sim = await make_sim(token_ttl=600)
    token = (await mp_token(sim))["access_token"]
    await advance(sim, 599)
    assert (await live(sim, token))["errcode"] == 9410000
    await advance(sim, 1)
    assert (await live(sim, token))["errcode"] == 42001


async def test_missing_and_unknown_tokens_are_rejected(sim: Client) -> None:
    assert (await post_json(sim, LIVE, {"start": 0, "limit": 10}))["errcode"] == 41001
    assert (await live(sim, "not-a-token"))["errcode"] == 40014
    wecom = await get_json(sim, "/cgi-bin/gettoken", corpid=CFG.corpid, corpsecret=CFG.corpsecret)
    assert (await live(sim, wecom["access_token"]))["errcode"] == 40014


async def test_rotate_hook_supersedes_the_clients_token(sim: Client) -> None:
    mine = (await mp_token(sim))["access_token"]
    rotated = await post_json(sim, "/_sim/tokens/rotate", {"kind": "mp"})
    await advance(sim, 301)
    assert (await live(sim, mine))["errcode"] == 40001
    assert (await live(sim, rotated["access_token"]))["errcode"] == 9410000
    assert (await sim_state(sim))["token_calls"] == 1


async def test_stable_token_is_shared_until_forced(sim: Client) -> None:
    body = {"grant_type": "client_credential", "appid": CFG.appid, "secret": CFG.secret}
    first = await post_json(sim, "/cgi-bin/stable_token", body)
    second = await post_json(sim, "/cgi-bin/stable_token", body)
    assert "errcode" not in first
    assert first["access_token"] == second["access_token"]
    # /cgi-bin/token is an independent family: minting there does not touch the stable token.
    await mp_token(sim)
    await mp_token(sim)
    forced = await post_json(sim, "/cgi-bin/stable_token", body | {"force_refresh": True})
    assert forced["access_token"] != first["access_token"]
    await advance(sim, 301)
    assert (await live(sim, forced["access_token"]))["errcode"] == 9410000
    assert (await live(sim, first["access_token"]))["errcode"] == 40001
    bad = await post_json(sim, "/cgi-bin/stable_token", body | {"secret": "nope"})
    assert bad["errcode"] == 40125
    assert (await sim_state(sim))["stable_token_calls"] == 4


# --- getliveinfo ----------------------------------------------------------------------------


async def test_quota_is_shared_by_list_and_replay_and_resets_next_beijing_day(
    make_sim: MakeSim,
) -> None:
    sim = await make_sim(daily_quota=3)
    await set_rooms(sim, [{"roomid": 7}])
    token = (await mp_token(sim))["access_token"]
    assert (await live(sim, token))["errcode"] == 0
    assert (await replay(sim, token, 7))["errcode"] == 0
    assert (await live(sim, token))["errcode"] == 0
    assert (await replay(sim, token, 7))["errcode"] == 45009
    assert (await live(sim, token))["errcode"] == 45009
    state = await sim_state(sim)
    assert state["quota_used"] == 3  # refused calls do not count
    assert (state["getliveinfo_calls"], state["replay_calls"]) == (3, 2)
    # Beijing midnight is 16:00 UTC: step just past it.
    await advance(sim, 86400 - (state["now"] + 8 * 3600) % 86400 + 1)
    token = (await mp_token(sim))["access_token"]
    assert (await live(sim, token))["errcode"] == 0
    assert (await sim_state(sim))["quota_used"] == 1


async def test_room_list_pages_sorted_by_start_time_desc(sim: Client) -> None:
    token = (await mp_token(sim))["access_token"]
    empty = await live(sim, token)
    assert empty["errcode"] == 9410000
    base = int(time.time())
    await set_rooms(sim, [{"roomid": i, "start_time": base + i * 37 % 5 * 60} for i in range(1, 6)])
    seen: list[dict[str, Any]] = []
    for start in (0, 2, 4):
        page = await live(sim, token, {"start": start, "limit": 2})
        assert (page["errcode"], page["errmsg"], page["total"]) == (0, "ok", 5)
        assert page["live_replay"] == []
        seen += page["room_info"]
    assert sorted(r["roomid"] for r in seen) == [1, 2, 3, 4, 5]
    starts = [r["start_time"] for r in seen]
    assert starts == sorted(starts, reverse=True)
    assert (await live(sim, token, {"start": 5, "limit": 2}))["errcode"] == 9410000
    room = seen[0]
    assert "anchor_img" not in room
    assert {"name", "cover_img", "share_img", "feeds_img", "goods", "close_replay"} <= set(room)


async def test_limit_over_100_is_clamped(sim: Client) -> None:
    await post_json(sim, "/_sim/rooms/generate", {"count": 150, "seed": 3})
    token = (await mp_token(sim))["access_token"]
    page = await live(sim, token, {"start": 0, "limit": 500})
    assert (page["total"], len(page["room_info"])) == (150, 100)
    assert (await live(sim, token, {"start": -1, "limit": 5}))["errcode"] == 47001


async def test_replay_appears_after_delay_and_its_url_is_renewed(make_sim: MakeSim) -> None:
    sim = await make_sim(replay_delay=600, replay_ttl=3600)
    now = (await sim_state(sim))["now"]
    ended = {"live_status": 103, "start_time": now - 3700, "end_time": now - 60}
    await set_rooms(sim, [{"roomid": 1, **ended}, {"roomid": 2, **ended, "close_replay": 1}])
    token = (await mp_token(sim))["access_token"]
    assert (await replay(sim, token, 1))["live_replay"] == []
    await advance(sim, 600)
    first = await replay(sim, token, 1)
    assert (first["errcode"], first["total"], first["room_info"]) == (0, 1, [])
    segment = first["live_replay"][0]
    assert segment["expire_time"].endswith("Z") and segment["create_time"].endswith("Z")
    async with sim.get(local(segment["media_url"])) as resp:
        assert resp.status == 200
    assert (await replay(sim, token, 2))["live_replay"] == []
    assert (await replay(sim, token, 99))["errcode"] == 300022
    await advance(sim, 3600)
    token = (await mp_token(sim))["access_token"]
    renewed = (await replay(sim, token, 1))["live_replay"][0]
    assert renewed["media_url"] != segment["media_url"]
    assert renewed["expire_time"] > segment["expire_time"]
    async with sim.get(local(segment["media_url"])) as resp:
        assert resp.status == 403


# --- WeCom ----------------------------------------------------------------------------------


async def wecom_token(client: Client) -> str:
    answer = await get_json(
        client, "/cgi-bin/gettoken", corpid=CFG.corpid, corpsecret=CFG.corpsecret
    )
    assert (answer["errcode"], answer["errmsg"]) == (0, "ok")
    token: str = answer["access_token"]
    return token


def authorize_params(scope: str = "snsapi_privateinfo", **extra: str) -> dict[str, str]:
    return {
        "appid": CFG.corpid,
        "redirect_uri": "http://hub.example/login/callback?next=%2Fadmin",
        "response_type": "code",
        "scope": scope,
        "state": "Abc123",
        "agentid": CFG.agentid,
    } | extra


async def login_code(client: Client, userid: str, scope: str = "snsapi_privateinfo") -> str:
    params = authorize_params(scope, userid=userid)
    async with client.get("/connect/oauth2/authorize", params=params, allow_redirects=False) as r:
        assert r.status == 302
        target = urlsplit(r.headers["Location"])
    assert target.netloc == "hub.example" and target.path == "/login/callback"
    query = parse_qs(target.query)
    assert query["state"] == ["Abc123"] and query["next"] == ["/admin"]
    return query["code"][0]


async def test_wecom_token_is_reused_and_credentials_checked(sim: Client) -> None:
    assert await wecom_token(sim) == await wecom_token(sim)
    bad_corp = await get_json(sim, "/cgi-bin/gettoken", corpid="ww0", corpsecret=CFG.corpsecret)
    assert bad_corp["errcode"] == 40013
    bad_secret = await get_json(sim, "/cgi-bin/gettoken", corpid=CFG.corpid, corpsecret="x")
    assert bad_secret["errcode"] == 40091
    assert (await sim_state(sim))["wecom_token_calls"] == 4


async def test_authorize_page_lists_demo_users_and_validates(sim: Client) -> None:
    async with sim.get("/connect/oauth2/authorize", params=authorize_params()) as resp:
        assert resp.status == 200
        page = await resp.text()
    assert page.count("userid=") >= 8 and "zhangsan" in page and "张三" in page
    for bad in (
        {"appid": "wwother"},
        {"scope": "snsapi_userinfo"},
        {"agentid": ""},
        {"redirect_uri": "/relative"},
        {"state": "has-dash"},
    ):
        async with sim.get("/connect/oauth2/authorize", params=authorize_params(**bad)) as resp:
            assert resp.status == 400, bad


async def test_code_is_single_use_and_base_scope_has_no_ticket(sim: Client) -> None:
    token = await wecom_token(sim)
    code = await login_code(sim, "lisi", scope="snsapi_base")
    info = await get_json(sim, "/cgi-bin/auth/getuserinfo", access_token=token, code=code)
    assert info == {"errcode": 0, "errmsg": "ok", "userid": "lisi"}
    again = await get_json(sim, "/cgi-bin/auth/getuserinfo", access_token=token, code=code)
    assert again["errcode"] == 40029


async def test_code_dies_after_five_minutes(sim: Client) -> None:
    token = await wecom_token(sim)
    code = await login_code(sim, "wangwu")
    await advance(sim, 301)
    info = await get_json(sim, "/cgi-bin/auth/getuserinfo", access_token=token, code=code)
    assert info["errcode"] == 40029


async def test_privateinfo_details_have_no_name_and_string_gender(sim: Client) -> None:
    token = await wecom_token(sim)
    code = await login_code(sim, "chenjing")
    info = await get_json(sim, "/cgi-bin/auth/getuserinfo", access_token=token, code=code)
    assert info["userid"] == "chenjing" and info["user_ticket"]
    detail = await post_json(
        sim, "/cgi-bin/auth/getuserdetail", {"user_ticket": info["user_ticket"]}, access_token=token
    )
    assert detail["errcode"] == 0 and detail["userid"] == "chenjing"
    assert "name" not in detail
    assert detail["gender"] == "2"
    async with sim.get(local(detail["avatar"])) as resp:
        assert resp.status == 200 and resp.content_type == "image/svg+xml"
        assert "陈" in await resp.text()
    await advance(sim, 1800)
    token = await wecom_token(sim)
    expired = await post_json(
        sim, "/cgi-bin/auth/getuserdetail", {"user_ticket": info["user_ticket"]}, access_token=token
    )
    assert expired["errcode"] == 40129


async def test_any_wellformed_userid_becomes_a_member(sim: Client) -> None:
    token = await wecom_token(sim)
    code = await login_code(sim, "new.user_42", scope="snsapi_base")
    info = await get_json(sim, "/cgi-bin/auth/getuserinfo", access_token=token, code=code)
    assert info["userid"] == "new.user_42"


async def test_wecom_calls_check_the_token(sim: Client) -> None:
    code = await login_code(sim, "lisi")
    unknown = await get_json(sim, "/cgi-bin/auth/getuserinfo", access_token="nope", code=code)
    assert unknown["errcode"] == 40014
    token = await wecom_token(sim)
    await advance(sim, 7200)
    expired = await get_json(sim, "/cgi-bin/auth/getuserinfo", access_token=token, code=code)
    assert expired["errcode"] == 42001
    detail = await post_json(sim, "/cgi-bin/auth/getuserdetail", {"user_ticket": "x"})
    assert detail["errcode"] == 41001


# --- faults ---------------------------------------------------------------------------------


async def add_faults(client: Client, faults: dict[str, Any]) -> None:
    async with client.post("/_sim/faults", json=faults) as resp:
        assert resp.status == 200, await resp.text()


async def test_errcode_fault_skips_then_fails_times(sim: Client) -> None:
    await set_rooms(sim, [{"roomid": 1}])
    token = (await mp_token(sim))["access_token"]
    await add_faults(sim, {"getliveinfo": {"errcode": 9410001, "times": 2, "skip": 1}})
    codes = [(await live(sim, token))["errcode"] for _ in range(4)]
    assert codes == [0, 9410001, 9410001, 0]
    state = await sim_state(sim)
    assert state["getliveinfo_calls"] == 4 and state["errcodes"] == {"9410001": 2}
    assert state["quota_used"] == 2  # the faulted answers never reached the quota


async def test_faults_queue_in_order_per_endpoint(sim: Client) -> None:
    await add_faults(sim, {"token": [{"errcode": -1}, {"errcode": 45009, "skip": 1}]})
    await add_faults(sim, {"replay": {"errcode": 9410003}})
    codes = [(await mp_token(sim)).get("errcode") for _ in range(4)]
    assert codes == [-1, None, 45009, None]
    token = (await mp_token(sim))["access_token"]
    await set_rooms(sim, [{"roomid": 3}])
    assert (await live(sim, token))["errcode"] == 0  # list mode is a different key
    assert (await replay(sim, token, 3))["errcode"] == 9410003


async def test_status_fault_answers_http_500(sim: Client) -> None:
    await add_faults(sim, {"gettoken": {"status": 500}})
    params = {"corpid": CFG.corpid, "corpsecret": CFG.corpsecret}
    async with sim.get("/cgi-bin/gettoken", params=params) as resp:
        assert resp.status == 500
    await wecom_token(sim)
    assert (await sim_state(sim))["wecom_token_calls"] == 2


async def test_delay_fault_answers_normally_but_late(sim: Client) -> None:
    await add_faults(sim, {"token": {"delay": 0.3}})
    started = time.monotonic()
    answer = await mp_token(sim)
    assert time.monotonic() - started >= 0.3
    assert "access_token" in answer


async def test_drop_fault_closes_the_connection(sim: Client) -> None:
    await set_rooms(sim, [{"roomid": 1}])
    token = (await mp_token(sim))["access_token"]
    await add_faults(sim, {"getliveinfo": {"drop": True}})
    with pytest.raises(aiohttp.ClientConnectionError):
        await live(sim, token)
    assert (await live(sim, token))["errcode"] == 0


async def test_bad_fault_specs_are_400_and_delete_clears(sim: Client) -> None:
    bad: dict[str, Any]
    for bad in ({"nope": {"errcode": 1}}, {"token": {"times": 0, "errcode": 1}}, {"token": {}}):
        async with sim.post("/_sim/faults", json=bad) as resp:
            assert resp.status == 400 and "error" in await resp.json()
    async with sim.post("/_sim/faults", data=b"not json") as resp:
        assert resp.status == 400
    await add_faults(sim, {"token": {"errcode": -1, "times": 5}})
    async with sim.delete("/_sim/faults") as resp:
        assert resp.status == 200
    assert "access_token" in await mp_token(sim)


# --- hooks, generated rooms, images, real port ----------------------------------------------


async def test_reset_forgets_counters_faults_tokens_and_clock(sim: Client) -> None:
    token = (await mp_token(sim))["access_token"]
    await mp_token(sim, appid="bad")
    await add_faults(sim, {"token": {"errcode": -1}})
    await advance(sim, 3 * 86400)
    async with sim.post("/_sim/reset", json={"daily_quota": 1, "rooms": 9}) as resp:
        assert resp.status == 200
    state = await sim_state(sim)
    assert state["token_calls"] == 0 and state["errcodes"] == {}
    assert state["faults_pending"] == {} and state["daily_quota"] == 1
    assert len(state["rooms"]) == 9 and abs(state["now"] - time.time()) < 60
    assert (await live(sim, token))["errcode"] == 40014
    fresh = (await mp_token(sim))["access_token"]
    assert (await live(sim, fresh))["errcode"] == 0
    assert (await live(sim, fresh))["errcode"] == 45009
    async with sim.post("/_sim/reset") as resp:  # no body: the configured quota again
        assert resp.status == 200
    assert (await sim_state(sim))["daily_quota"] == CFG.daily_quota


async def test_partial_rooms_get_defaults_and_update_by_roomid(sim: Client) -> None:
    rooms = (await set_rooms(sim, [{"roomid": 5, "name": "茶话会"}, {"live_status": 101}]))["rooms"]
    assert {r["roomid"] for r in rooms} == {5, 6}
    five = next(r for r in rooms if r["roomid"] == 5)
    assert five["name"] == "茶话会" and five["live_status"] == 102 and five["goods"] == []
    assert five["cover_img"].startswith("http://127.0.0.1:")
    goods = [{"name": "龙井", "price": 1999}]
    rooms = (await set_rooms(sim, [{"roomid": 5, "goods": goods}], replace=False))["rooms"]
    five = next(r for r in rooms if r["roomid"] == 5)
    assert five["name"] == "茶话会" and five["goods"][0]["price"] == 1999
    assert five["goods"][0]["price_type"] == 1 and len(rooms) == 2
    async with sim.delete("/_sim/rooms/5") as resp:
        assert resp.status == 200
    async with sim.delete("/_sim/rooms/5") as resp:
        assert resp.status == 404
    assert [r["roomid"] for r in (await sim_state(sim))["rooms"]] == [6]


@pytest.mark.parametrize(
    "body",
    [
        {"rooms": [{"roomid": "x"}]},
        {"rooms": [{"live_status": 999}]},
        {"rooms": [{"goods": [{"price_type": 4}]}]},
        {"rooms": [{"goods": "none"}]},
        {"rooms": "all"},
        {"rooms": [], "replace": "yes"},
        [1, 2],
    ],
)
async def test_bad_room_input_is_400_json(sim: Client, body: Any) -> None:
    async with sim.post("/_sim/rooms", json=body) as resp:
        assert resp.status == 400
        assert "error" in await resp.json()


async def test_bad_clock_and_reset_input_is_400(sim: Client) -> None:
    for path, body in (
        ("/_sim/clock", {"advance": "soon"}),
        ("/_sim/clock", {"advance": -5}),
        ("/_sim/reset", {"daily_quota": -1}),
        ("/_sim/rooms/generate", {"count": "many"}),
    ):
        async with sim.post(path, json=body) as resp:
            assert resp.status == 400, (path, body)


async def test_generated_rooms_are_realistic_and_deterministic(make_sim: MakeSim) -> None:
    a = (await sim_state(await make_sim(rooms=40, seed=7)))["rooms"]
    b = (await sim_state(await make_sim(rooms=40, seed=7)))["rooms"]

    # Image URLs carry each app's port; everything else must match.
    def key(rooms: list[dict[str, Any]]) -> list[Any]:
        return [
            (
                r["roomid"],
                r["name"],
                r["anchor_name"],
                [(g["goods_id"], g["price"]) for g in r["goods"]],
            )
            for r in rooms
        ]

    assert key(a) == key(b)
    assert len({r["roomid"] for r in a}) == 40
    assert {r["live_status"] for r in a} == set(range(101, 108))
    assert any(r["live_status"] == 103 and r["close_replay"] == 0 for r in a)
    for room in a:
        assert room["end_time"] > room["start_time"]
        assert 0 <= len(room["goods"]) <= 5
        for goods in room["goods"]:
            assert isinstance(goods["price"], int) and isinstance(goods["price2"], int)
            if goods["price_type"] == 2:
                assert goods["price"] < goods["price2"]
            elif goods["price_type"] == 3:
                assert goods["price2"] < goods["price"]
            else:
                assert goods["price_type"] == 1 and goods["price2"] == 0


async def test_room_images_are_served_from_the_request_origin(make_sim: MakeSim) -> None:
    sim = await make_sim(rooms=7, seed=1)
    room = next(r for r in (await sim_state(sim))["rooms"] if r["goods"])
    for url in (
        room["cover_img"],
        room["share_img"],
        room["feeds_img"],
        room["goods"][0]["cover_img"],
    ):
        assert url.startswith(f"http://{sim.host}:{sim.port}/_sim/img/")
        async with sim.get(local(url)) as resp:
            assert resp.status == 200 and resp.content_type == "image/svg+xml"
            assert (await resp.text()).startswith("<svg")


async def test_start_simulator_serves_on_a_real_port() -> None:
    running = await start_simulator(SimConfig(rooms=3, seed=2))
    try:
        assert running.url.startswith("http://127.0.0.1:") and not running.url.endswith("/")
        async with aiohttp.ClientSession() as session:
            params = {"grant_type": "client_credential", "appid": CFG.appid, "secret": CFG.secret}
            async with session.get(f"{running.url}/cgi-bin/token", params=params) as resp:
                token = (await resp.json())["access_token"]
            body = {"start": 0, "limit": 10}
            url = f"{running.url}{LIVE}"
            async with session.post(url, params={"access_token": token}, json=body) as resp:
                page = await resp.json()
            assert page["total"] == 3
            assert page["room_info"][0]["cover_img"].startswith(running.url + "/_sim/img/")
    finally:
        await running.close()
