"""WeCom login through the simulator's authorize page: sessions, state, codes, next, /api/me."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.simulator import RunningSimulator
from tests.helpers_auth import authorize, login, new_browser, sim_settings


async def test_fresh_user_signs_in_and_sees_me(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    assert (await client.get("/api/me")).status == 401
    assert await login(client, sim.url, "zhangsan", "/m/12345") == "/m/12345"
    resp = await client.get("/api/me")
    assert resp.status == 200
    user = (await resp.json())["user"]
    # Issue 16: the name WeCom's user/get gives, not the userid; the page asks when it has none.
    assert user["userid"] == "zhangsan" and user["name"] == "张三"
    assert user["avatar"].startswith("http")
    assert set(user) == {"id", "userid", "name", "avatar", "needs_name"}


async def test_returning_user_keeps_id_and_chosen_name(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "lisi")
    first = (await (await client.get("/api/me")).json())["user"]
    resp = await client.put("/api/me", json={"name": "李四"})
    assert resp.status == 200 and (await resp.json())["user"]["name"] == "李四"
    assert (await client.post("/auth/logout")).status == 200
    assert (await client.get("/api/me")).status == 401
    await login(client, sim.url, "lisi")
    again = (await (await client.get("/api/me")).json())["user"]
    assert again["id"] == first["id"] and again["name"] == "李四"


async def test_cookie_is_httponly_lax_and_not_readable(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    callback = await authorize(client, sim.url, "wangwu")
    resp = await client.get(callback, allow_redirects=False)
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("hub_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "wangwu" not in cookie  # encrypted, not just signed


async def test_replayed_code_is_refused(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    callback = await authorize(client, sim.url, "zhaoliu")
    assert (await client.get(callback, allow_redirects=False)).status == 302
    # The same URL again: the session was rotated on login, so its state is gone.
    resp = await client.get(callback, allow_redirects=False)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "bad_state"
    # The old code under a fresh, valid state: WeCom says 40029, hub says bad_code.
    fresh = await authorize(client, sim.url, "zhaoliu")
    old_code = callback.split("code=")[1].split("&")[0]
    new_code = fresh.split("code=")[1].split("&")[0]
    resp = await client.get(fresh.replace(new_code, old_code), allow_redirects=False)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "bad_code"


async def test_wrong_or_missing_state_is_refused(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    callback = await authorize(client, sim.url, "chenjing")
    state = callback.split("state=")[1].split("&")[0]
    resp = await client.get(callback.replace(state, "0" * 32), allow_redirects=False)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_state"
    assert (await client.get("/api/me")).status == 401
    # Another browser (no state in its session) cannot finish this browser's login.
    async with new_browser(client) as other:
        resp = await other.get(callback, allow_redirects=False)
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_state"
    resp = await client.get("/auth/callback", allow_redirects=False)
    assert resp.status == 400


async def test_next_must_be_a_local_path(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    for evil in ("https://evil.example", "//evil.example/x", "/\\evil.example", "javascript:1"):
        assert await login(client, sim.url, "liuyang", evil) == "/"
    assert await login(client, sim.url, "liuyang", "/m/00042?x=1") == "/m/00042?x=1"


async def test_login_state_is_wecom_safe(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    resp = await client.get("/auth/login", allow_redirects=False)
    location = resp.headers["Location"]
    assert location.startswith(sim.url + "/connect/oauth2/authorize?")
    state = location.split("state=")[1].split("&")[0].split("#")[0]
    assert len(state) == 32 and state.isalnum()
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fauth%2Fcallback" in location


async def test_two_users_have_separate_sessions(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "huangmin")
    async with new_browser(client) as other:
        await login(other, sim.url, "zhouting")
        mine = (await (await client.get("/api/me")).json())["user"]["userid"]
        theirs = (await (await other.get("/api/me")).json())["user"]["userid"]
    assert (mine, theirs) == ("huangmin", "zhouting")


async def test_tampered_cookie_is_anonymous(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with new_browser(client) as other:
        other.cookie_jar.update_cookies({"hub_session": "gAAAAAnotavalidtoken"})
        assert (await other.get("/api/me")).status == 401


async def test_rename_validates(sim: RunningSimulator, make_settings: Any, hub_client: Any) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    assert (await client.put("/api/me", json={"name": "x"})).status == 401
    await login(client, sim.url, "zhangsan")
    for bad in ({"name": ""}, {"name": "x" * 101}, {"name": 5}, {}):
        resp = await client.put("/api/me", json=bad)
        assert resp.status == 400, bad


async def test_https_public_url_makes_the_cookie_secure(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    settings = sim_settings(make_settings, sim.url, public_url="https://hub.example.com")
    client = await hub_client(settings)
    resp = await client.get("/auth/login", allow_redirects=False)
    assert (
        "redirect_uri=https%3A%2F%2Fhub.example.com%2Fauth%2Fcallback" in resp.headers["Location"]
    )
    assert "Secure" in resp.headers["Set-Cookie"]


async def test_non_member_is_refused(
    make_settings: Any, hub_client: Any, aiohttp_server: Any
) -> None:
    # The simulator has no non-members, so a tiny WeCom answers with an `openid` instead.
    fake = web.Application()

    async def gettoken(request: web.Request) -> web.Response:
        return web.json_response({"errcode": 0, "access_token": "t" * 32, "expires_in": 7200})

    async def getuserinfo(request: web.Request) -> web.Response:
        return web.json_response({"errcode": 0, "errmsg": "ok", "openid": "oOutsider"})

    fake.router.add_get("/cgi-bin/gettoken", gettoken)
    fake.router.add_get("/cgi-bin/auth/getuserinfo", getuserinfo)
    server = await aiohttp_server(fake)
    base = str(server.make_url("")).rstrip("/")
    client = await hub_client(sim_settings(make_settings, base))
    resp = await client.get("/auth/login", allow_redirects=False)
    state = resp.headers["Location"].split("state=")[1].split("&")[0].split("#")[0]
    resp = await client.get(f"/auth/callback?code=c0de&state={state}", allow_redirects=False)
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "forbidden"
    assert (await client.get("/api/me")).status == 401


async def test_login_without_wecom_configured_is_503(make_settings: Any, hub_client: Any) -> None:
    client = await hub_client(make_settings())
    resp = await client.get("/auth/login", allow_redirects=False)
    assert resp.status == 503 and (await resp.json())["error"]["code"] == "login_unavailable"
