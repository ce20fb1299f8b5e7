"""Mini-program sign-in (issue 21): wx.login code to a bearer token, against the simulator."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from hub.keys import DB
from hub.storage.identities import MINIPROGRAM
from hub.storage.users import get_user
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.fixtures_activities import error_code, ok
from tests.fixtures_realtime import frame_of
from tests.fixtures_sim import Sim
from tests.helpers_auth import login, new_browser, sim_settings


async def wx_code(sim: Sim, person: str) -> str:
    """The code `wx.login` gives `person`'s phone (the simulator's hook)."""
    code: str = (await sim.post("/_sim/wx/login", {"person": person}))["code"]
    return code


async def mp_login(client: TestClient[Any, Any], sim: Sim, person: str) -> dict[str, Any]:
    """Sign `person` in as the mini-program would; the login answer."""
    code = await wx_code(sim, person)
    # A mini-program's wx.request sends no cookie: a cookie-less session, as the phone has.
    async with aiohttp.ClientSession() as phone:
        resp = await phone.post(client.make_url("/api/mp/login"), json={"code": code})
        answer: dict[str, Any] = await ok(resp)
    return answer


def bearer(token: str) -> dict[str, str]:
    """The header a mini-program sends."""
    return {"Authorization": f"Bearer {token}"}


async def test_login_answers_a_token_and_a_reused_code_is_refused(
    sim: Sim, make_settings: Any, hub_client: AppClient, db_url: str, caplog: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    code = await wx_code(sim, "xiaoming")
    async with aiohttp.ClientSession() as phone:
        answer = await ok(await phone.post(client.make_url("/api/mp/login"), json={"code": code}))
        assert set(answer) == {"token", "expires_in", "user"}
        assert answer["expires_in"] > 0 and len(answer["token"]) >= 32
        user = answer["user"]
        assert user["provider"] == MINIPROGRAM and user["userid"].startswith("mp:")
        assert "session_key" not in str(answer) and "openid" not in answer
        again = await phone.post(client.make_url("/api/mp/login"), json={"code": code})
        assert await error_code(again, 400) == "login_code_invalid"
        for body in ({}, {"code": ""}, {"code": 5}, {"code": "a b"}, {"code": "码"}):
            resp = await phone.post(client.make_url("/api/mp/login"), json=body)
            assert await error_code(resp, 400) == "login_code_invalid"
        # The same person signing in again is the same user.
        second = await mp_login(client, sim, "xiaoming")
        assert second["user"]["id"] == user["id"] and second["token"] != answer["token"]
    stored = await get_user(client.app[DB], user["id"])
    assert stored is not None and stored.provider == MINIPROGRAM
    # Neither the code, the token nor a session_key appears in any log line.
    text = caplog.text
    assert code not in text and answer["token"] not in text and second["token"] not in text
    assert "session_key" not in text


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [(40029, 400, "login_code_invalid"), (45011, 429, "too_frequent"), (40226, 403, "risky_user")],
)
async def test_wechat_refusals_get_clear_codes(
    sim: Sim, make_settings: Any, hub_client: AppClient, errcode: int, status: int, code: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await sim.fault("jscode2session", errcode=errcode)
    the_code = await wx_code(sim, "xiaohong")
    resp = await client.post("/api/mp/login", json={"code": the_code})
    assert await error_code(resp, status) == code


async def test_without_mini_program_credentials_login_is_off(
    sim: Sim, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(
        sim_settings(make_settings, sim.url, wechat_appid=None, wechat_secret=None)
    )
    resp = await client.post("/api/mp/login", json={"code": await wx_code(sim, "xiaoming")})
    assert await error_code(resp, 503) == "mp_login_unavailable"


async def test_bearer_works_on_the_api_and_a_ws_ticket_opens_the_socket(
    sim: Sim, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "zhangsan")
    number = (await ok(await client.post("/api/meetings", json={"title": "发布会"}), 201))["number"]
    settings_url = f"/api/meetings/{number}/settings"
    await ok(await client.patch(settings_url, json={"guests": "wechat"}))
    answer = await mp_login(client, sim, "xiaoming")
    auth = bearer(answer["token"])
    async with aiohttp.ClientSession(base_url=str(client.make_url(""))) as phone:
        me = await ok(await phone.get("/api/me", headers=auth))
        assert me["user"]["id"] == answer["user"]["id"]
        # No cookie, no Origin: a bearer write is not a cross-site request.
        await ok(await phone.post(f"/api/meetings/{number}/join", headers=auth))
        ticket = await ok(await phone.post(f"/api/meetings/{number}/ws-ticket", headers=auth), 201)
        async with phone.ws_connect(ticket["url"]) as ws:
            hello = await frame_of(ws, "hello")
            assert hello["you"]["id"] == answer["user"]["id"]
            await ws.send_json({"type": "chat", "text": "大家好", "client_id": "mp-1"})
            chat = await frame_of(ws, "chat")
            assert "大家好" in str(chat)
        # The admin bearer and a user's bearer are different things.
        assert (await phone.get("/api/admin/meetings", headers=auth)).status == 403
        assert (await phone.get("/api/me", headers=bearer("not-a-token"))).status == 401
        # Logout ends the token on the server.
        await ok(await phone.post("/api/mp/logout", headers=auth))
        assert (await phone.get("/api/me", headers=auth)).status == 401


async def test_an_admin_can_revoke_a_mini_program_token(
    sim: Sim, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, session_recheck=0.0))
    answer = await mp_login(client, sim, "laowang")
    auth = bearer(answer["token"])
    async with new_browser(client) as phone:
        assert (await phone.get("/api/me", headers=auth)).status == 200
        userid = answer["user"]["userid"]
        revoke = await client.post(
            f"/api/admin/users/{userid}/sessions/revoke", headers=bearer(ADMIN_TOKEN)
        )
        assert (await ok(revoke))["revoked"] == 1
        assert (await phone.get("/api/me", headers=auth)).status == 401
