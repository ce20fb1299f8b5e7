"""WeChat-browser sign-in through the 公众号 (issue 21), against the simulator's OAuth."""

from __future__ import annotations

from typing import Any

import aiohttp
from yarl import URL

from hub.keys import DB
from hub.storage.identities import WECHAT
from hub.storage.users import get_user
from tests.conftest import AppClient
from tests.fixtures_activities import error_code, ok
from tests.fixtures_sim import Sim
from tests.helpers_auth import Browser, new_browser, sim_settings
from tests.test_mp_login import mp_login


async def oa_authorize(browser: Browser, person: str, next_path: str = "/") -> str:
    """Start a 公众号 sign-in and approve it as `person`; returns hub's callback path."""
    resp = await browser.get(
        "/auth/wechat/login", params={"next": next_path}, allow_redirects=False
    )
    assert resp.status == 302, await resp.text()
    authorize = URL(resp.headers["Location"].partition("#")[0])
    assert authorize.path == "/connect/oauth2/authorize"
    assert authorize.query["scope"] == "snsapi_userinfo"
    assert URL(authorize.query["redirect_uri"]).path == "/auth/wechat/callback"
    async with aiohttp.ClientSession() as wechat:
        approved = await wechat.get(authorize.update_query(person=person), allow_redirects=False)
        assert approved.status == 302, await approved.text()
        back = URL(approved.headers["Location"])
    assert back.path == "/auth/wechat/callback"
    return str(back.relative())


async def oa_login(browser: Browser, person: str, next_path: str = "/") -> str:
    """The whole 公众号 sign-in; returns where hub sent the browser."""
    resp = await browser.get(await oa_authorize(browser, person, next_path), allow_redirects=False)
    assert resp.status == 302, await resp.text()
    location: str = resp.headers["Location"]
    return location


async def test_wechat_sign_in_keeps_next_local_and_names_the_person(
    sim: Sim, make_settings: Any, hub_client: AppClient, db_url: str, caplog: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    callback = await oa_authorize(client, "xiaohong", "/m/12345")
    resp = await client.get(callback, allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/m/12345"
    me = (await ok(await client.get("/api/me")))["user"]
    assert me["userid"].startswith("oa:") and me["avatar"].startswith("http")
    assert me["name"] and all("\u4e00" <= ch <= "\u9fff" for ch in me["name"])
    stored = await get_user(client.app[DB], me["id"])
    assert stored is not None and stored.provider == WECHAT
    # The code is used: replaying the callback fails (its state went with the old session).
    assert (await client.get(callback, allow_redirects=False)).status == 400
    code = URL(callback).query["code"]
    assert code not in caplog.text
    async with new_browser(client) as other:
        assert await oa_login(other, "ajie", "https://evil.example/") == "/"
        assert await oa_login(other, "ajie", "//evil.example/x") == "/"


async def test_the_state_is_bound_to_the_browser_that_started(
    sim: Sim, make_settings: Any, hub_client: AppClient
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    callback = await oa_authorize(client, "xiaoming")
    async with new_browser(client) as victim:
        resp = await victim.get(callback, allow_redirects=False)
        assert await error_code(resp, 400) == "bad_state"
        assert (await victim.get("/api/me")).status == 401


async def test_a_used_code_is_refused(sim: Sim, make_settings: Any, hub_client: AppClient) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await sim.fault("oauth2_access_token", errcode=40029)
    callback = await oa_authorize(client, "xiaoming")
    resp = await client.get(callback, allow_redirects=False)
    assert await error_code(resp, 400) == "login_code_invalid"
    assert (await client.get("/api/me")).status == 401


async def test_one_person_through_both_apps_is_one_user_by_unionid(
    sim: Sim, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    from_mp = (await mp_login(client, sim, "meimei"))["user"]
    await oa_login(client, "meimei")
    from_oa = (await ok(await client.get("/api/me")))["user"]
    assert from_oa["id"] == from_mp["id"]
    # The 公众号 gave a nickname and an avatar; the user keeps the mini-program's userid.
    assert from_oa["userid"] == from_mp["userid"] and from_oa["avatar"]
    # Someone whose apps are not bound to one account (no unionid) stays two people.
    solo_mp = (await mp_login(client, sim, "solo1"))["user"]
    async with new_browser(client) as other:
        await oa_login(other, "solo1")
        solo_oa = (await ok(await other.get("/api/me")))["user"]
    assert solo_oa["id"] != solo_mp["id"]


async def test_without_oa_credentials_wechat_sign_in_is_off(
    sim: Sim, make_settings: Any, hub_client: AppClient
) -> None:
    settings = sim_settings(make_settings, sim.url, wechat_oa_appid=None, wechat_oa_secret=None)
    client = await hub_client(settings)
    resp = await client.get("/auth/wechat/login", allow_redirects=False)
    assert await error_code(resp, 503) == "wechat_login_unavailable"
    # WeCom sign-in is untouched.
    assert (await client.get("/auth/login", allow_redirects=False)).status == 302
