"""Revocable sessions (issue 13, F4 and F5): logout, sign out everywhere, the admin's revoke,
the `__Host-` cookie over https, and planted cookies."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from hub.simulator import RunningSimulator
from tests.cluster import ClusterFactory
from tests.conftest import ADMIN_TOKEN
from tests.fixtures_ops import eventually
from tests.fixtures_ops import login as cluster_login
from tests.helpers_auth import login, new_browser, sim_settings

COOKIE = "hub_session"


def saved_cookie(client: TestClient[Any, Any] | aiohttp.ClientSession) -> str:
    """The session cookie's value as a thief would copy it."""
    jar = client.session.cookie_jar if isinstance(client, TestClient) else client.cookie_jar
    for cookie in jar:
        if cookie.key == COOKIE:
            return cookie.value
    raise AssertionError("no session cookie")


async def whoami(client: TestClient[Any, Any], cookie: str) -> int:
    """GET /api/me with only this cookie (a copy used from another machine)."""
    async with aiohttp.ClientSession() as thief:
        resp = await thief.get(client.make_url("/api/me"), headers={"Cookie": f"{COOKIE}={cookie}"})
        return resp.status


async def test_a_saved_cookie_is_dead_after_logout(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "zhangsan")
    copied = saved_cookie(client)
    assert await whoami(client, copied) == 200
    resp = await client.post("/auth/logout")
    assert resp.status == 200
    assert await whoami(client, copied) == 401
    # Signing in again makes a new session: the copy stays dead.
    await login(client, sim.url, "zhangsan")
    assert await whoami(client, copied) == 401
    assert await whoami(client, saved_cookie(client)) == 200


async def test_login_rotates_and_ends_the_previous_session(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    first = saved_cookie(client)
    await login(client, sim.url, "lisi")
    assert saved_cookie(client) != first
    assert await whoami(client, first) == 401


async def test_sign_out_everywhere_kills_every_cookie_of_the_user(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "zhangsan")
    phones = [new_browser(client) for _ in range(3)]
    other = new_browser(client)
    try:
        for phone in phones:
            await login(phone, sim.url, "zhangsan")
        await login(other, sim.url, "lisi")
        cookies = [saved_cookie(client)] + [saved_cookie(p) for p in phones]
        assert [await whoami(client, c) for c in cookies] == [200] * 4
        resp = await phones[0].post("/auth/logout-everywhere")
        assert resp.status == 200
        assert (await resp.json())["ended"] == 4
        assert [await whoami(client, c) for c in cookies] == [401] * 4
        # Another user's session is untouched.
        assert (await other.get("/api/me")).status == 200
        # Anonymous: nothing to sign out.
        assert (await phones[0].post("/auth/logout-everywhere")).status == 401
    finally:
        for browser in (*phones, other):
            await browser.close()


async def test_admin_revokes_a_users_sessions(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(
        make_settings, sim.url, database_url=db_url, admin_users=frozenset({"wangwu"})
    )
    client = await hub_client(settings)
    await login(client, sim.url, "zhangsan")
    copied = saved_cookie(client)
    path = "/api/admin/users/zhangsan/sessions/revoke"
    # zhangsan is no admin; anonymous is nobody.
    assert (await client.post(path)).status == 403
    async with new_browser(client) as anonymous:
        assert (await anonymous.post(path)).status == 401
    async with new_browser(client) as script:
        bearer = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        resp = await script.post(path, headers=bearer)
        assert resp.status == 200, await resp.text()
        assert await resp.json() == {"userid": "zhangsan", "revoked": 1}
        assert await whoami(client, copied) == 401
        resp = await script.post("/api/admin/users/nobody/sessions/revoke", headers=bearer)
        assert resp.status == 404
    # An admin's session works too (from hub's own pages).
    await login(client, sim.url, "zhangsan")
    async with new_browser(client) as admin:
        await login(admin, sim.url, "wangwu")
        resp = await admin.post(path, headers={"Origin": settings.public_url})
        assert resp.status == 200 and (await resp.json())["revoked"] == 1
    assert (await client.get("/api/me")).status == 401


async def test_https_cookie_has_the_host_prefix(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(
        sim_settings(make_settings, sim.url, public_url="https://hub.example.com")
    )
    async with aiohttp.ClientSession() as raw:
        # The jar keeps a Secure cookie off plain http, so carry it by hand as a browser would.
        resp = await raw.get(client.make_url("/auth/login"), allow_redirects=False)
        assert resp.status == 302
        set_cookie = resp.headers["Set-Cookie"]
        assert set_cookie.startswith("__Host-hub_session=")
        attrs = [a.strip().lower() for a in set_cookie.split(";")]
        assert "secure" in attrs and "path=/" in attrs
        assert not any(a.startswith("domain=") for a in attrs)
        pre_login = set_cookie.split(";")[0]
        authorize_url = resp.headers["Location"].partition("#")[0]
        approved = await raw.get(authorize_url + "&userid=zhangsan", allow_redirects=False)
        back = URL(approved.headers["Location"])
        resp = await raw.get(
            client.make_url(str(back.relative())),
            headers={"Cookie": pre_login},
            allow_redirects=False,
        )
        assert resp.status == 302, await resp.text()
        signed_in = resp.headers["Set-Cookie"].split(";")[0]
        assert signed_in.startswith("__Host-hub_session=")
        me = await raw.get(client.make_url("/api/me"), headers={"Cookie": signed_in})
        assert me.status == 200
        # The plain name is not read over https: a sibling cannot toss one in.
        plain = signed_in.removeprefix("__Host-")
        assert (await raw.get(client.make_url("/api/me"), headers={"Cookie": plain})).status == 401


async def test_planted_and_undecodable_cookies_read_as_anonymous(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    mine = saved_cookie(client)
    async with new_browser(client) as attacker:
        await login(attacker, sim.url, "lisi")
        theirs = saved_cookie(attacker)
    async with aiohttp.ClientSession() as raw:
        url = client.make_url("/api/me")
        # A second cookie of the name (tossed in by a sibling subdomain): neither is read.
        for header in (
            f"{COOKIE}={theirs}; {COOKIE}={mine}",
            f"{COOKIE}={mine}; {COOKIE}={theirs}",
        ):
            assert (await raw.get(url, headers={"Cookie": header})).status == 401
        # Bytes that are not UTF-8 (F6): anonymous, never a 500, on the API and on pages.
        for path in ("/api/me", "/login", "/"):
            resp = await raw.get(
                client.make_url(path), headers={"Cookie": "hub_session=\udcff\udcfe"}
            )
            assert resp.status in (200, 401), (path, resp.status)


@pytest.mark.slow
@pytest.mark.mysql
@pytest.mark.redis
async def test_a_logout_reaches_every_process(
    cluster_factory: ClusterFactory, browsers: list[aiohttp.ClientSession]
) -> None:
    """At once on the process that ended the session, within HUB_SESSION_RECHECK elsewhere."""
    cluster = cluster_factory(2, env={"HUB_SESSION_RECHECK": "1"})
    browser = await cluster_login(cluster, "zhangsan")
    browsers.append(browser)
    copied = saved_cookie(browser)

    async def status(url: str) -> int:
        async with aiohttp.ClientSession() as thief:
            resp = await thief.get(url + "/api/me", headers={"Cookie": f"{COOKIE}={copied}"})
            return resp.status

    # Both processes know the session (the second now remembers it as live).
    assert [await status(u) for u in cluster.urls] == [200, 200]
    resp = await browser.post(cluster.urls[0] + "/auth/logout")
    assert resp.status == 200
    assert await status(cluster.urls[0]) == 401

    async def dead_on_the_other() -> bool:
        return await status(cluster.urls[1]) == 401

    await eventually(dead_on_the_other, within=20, what="the logout to reach process 1")
