"""CSRF (issue 13, F1): cookie-signed writes only from hub's own origin.

In Chromium, a victim signed in at http://hub.corp.test:P opens attacker pages on a sibling
subdomain (http://evil.corp.test:Q) and on another port of hub's own host
(http://hub.corp.test:Q). Both are the same *site* as hub, so SameSite=Lax sends the cookie;
their form posts and no-cors fetches must change nothing. `--host-resolver-rules` maps the
names to 127.0.0.1, so the two "sites" share this machine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright

from hub.simulator import RunningSimulator, SimConfig, start_simulator
from tests.conftest import ADMIN_TOKEN
from tests.fixtures_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HAVE_CHROMIUM,
    LiveHub,
    create_meeting,
    new_page,
    serve,
    sign_in,
)
from tests.helpers_auth import login, new_browser, sim_settings
from tests.servers import free_port

HOST_RULES = "--host-resolver-rules=MAP *.corp.test 127.0.0.1"


# --- The rule, request by request ------------------------------------------------------------


async def test_foreign_origins_cannot_write_with_a_cookie(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    public = "http://hub.corp.test:8080"
    client = await hub_client(sim_settings(make_settings, sim.url, public_url=public))
    await login(client, sim.url, "zhangsan")
    own = {"Origin": public}
    resp = await client.post("/api/meetings", json={"title": "mine"}, headers=own)
    assert resp.status == 201, await resp.text()
    number = (await resp.json())["number"]

    foreign = [
        {"Origin": "http://evil.corp.test:8080"},  # a sibling subdomain
        {"Origin": "http://hub.corp.test:8081"},  # another port of hub's host
        {"Origin": "https://hub.corp.test:8080"},  # another scheme
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Referer": "http://evil.corp.test:8080/packet"},
        {"Origin": "http://evil.corp.test", "Sec-Fetch-Site": "same-origin"},
    ]
    writes = [
        ("POST", f"/api/meetings/{number}/redpackets", {"total_cents": 20_000_000, "count": 1}),
        ("POST", f"/api/meetings/{number}/end", None),
        ("POST", "/api/meetings", {"title": "made-by-csrf"}),
        ("PUT", "/api/me", {"name": "pwned"}),
        ("POST", "/auth/logout-everywhere", None),
        ("PUT", "/api/admin/live/rooms/1/pin", {"is_top": 1}),
        ("POST", "/api/admin/live/sync", None),
    ]
    for headers in foreign:
        for method, path, body in writes:
            resp = await client.request(method, path, json=body, headers=headers)
            assert resp.status == 403, (headers, path, await resp.text())
            assert (await resp.json())["error"]["code"] == "csrf"

    # A JSON body sent as text/plain (what a cross-origin form can send) is refused too,
    # from any origin: declaring JSON takes a CORS preflight, which hub never grants.
    smuggled = b'{"total_cents":20000000,"count":1,"pad":"="}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        resp = await client.post(
            f"/api/meetings/{number}/redpackets",
            data=smuggled,
            headers={**own, "Content-Type": content_type},
        )
        assert resp.status == 415, await resp.text()
        assert (await resp.json())["error"]["code"] == "unsupported_media_type"

    # Nothing changed.
    details = await (await client.get(f"/api/meetings/{number}")).json()
    assert details["ended_at"] is None
    assert details["activities"]["redpackets"] == []
    mine = await (await client.get("/api/meetings")).json()
    assert [m["title"] for m in mine["meetings"]] == ["mine"]
    assert (await (await client.get("/api/me")).json())["user"]["name"] != "pwned"

    # Hub's own pages pass: by Origin, by Sec-Fetch-Site, by Referer.
    for headers in (own, {"Sec-Fetch-Site": "same-origin"}, {"Referer": f"{public}/m/{number}"}):
        resp = await client.put("/api/me", json={"name": "张三"}, headers=headers)
        assert resp.status == 200, (headers, await resp.text())

    # Without a session cookie nothing can be forged: the admin token alone is not CSRF-able.
    async with new_browser(client) as script:
        resp = await script.post(
            "/api/admin/users/zhangsan/sessions/revoke",
            headers={"Origin": "http://evil.corp.test", "Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert resp.status == 200, await resp.text()


# --- The attack, in Chromium ----------------------------------------------------------------


def attacker_app(hub: str, number: str, roomid: int) -> web.Application:
    """The attacker's pages: forms and a no-cors fetch aimed at the victim's hub."""

    def page(body: str) -> web.Response:
        return web.Response(
            text=f"<!doctype html><html><body>{body}</body></html>", content_type="text/html"
        )

    async def packet(request: web.Request) -> web.Response:
        # The review's JSON smuggling: a text/plain form whose body parses as JSON.
        return page(
            f'<form method="POST" action="{hub}/api/meetings/{number}/redpackets" '
            'enctype="text/plain"><input name=\'{"total_cents":20000000,"count":1,"pad":"\' '
            "value='\"}'></form><script>document.forms[0].submit()</script>"
        )

    async def end(request: web.Request) -> web.Response:
        return page(
            f'<form method="POST" action="{hub}/api/meetings/{number}/end"></form>'
            "<script>document.forms[0].submit()</script>"
        )

    async def create(request: web.Request) -> web.Response:
        return page(
            f'<form method="POST" action="{hub}/api/meetings" enctype="text/plain">'
            '<input name=\'{"title":"made-by-csrf","pad":"\' value=\'"}\'></form>'
            "<script>document.forms[0].submit()</script>"
        )

    async def fetch(request: web.Request) -> web.Response:
        return page(
            "<script>"
            f'fetch("{hub}/api/meetings", {{method: "POST", mode: "no-cors", '
            'credentials: "include", body: JSON.stringify({title: "made-by-fetch"})})'
            '.then(() => { document.title = "sent"; }, () => { document.title = "failed"; });'
            f'fetch("{hub}/api/me", {{method: "PUT", credentials: "include", '
            'headers: {"Content-Type": "application/json"}, body: JSON.stringify({name: "pwned"})})'
            '.then(() => {}, () => { document.body.dataset.put = "blocked"; });'
            "</script>"
        )

    async def pin(request: web.Request) -> web.Response:
        # PUT is not a "simple" method: the browser asks hub first (CORS preflight), hub
        # grants nothing, so the request is never sent. The form falls back to POST (405).
        return page(
            f'<form method="POST" action="{hub}/api/admin/live/rooms/{roomid}/pin" '
            'enctype="text/plain"><input name=\'{"is_top":1,"pad":"\' value=\'"}\'></form>'
            "<script>"
            f'fetch("{hub}/api/admin/live/rooms/{roomid}/pin", {{method: "PUT", '
            'credentials: "include", headers: {"Content-Type": "application/json"}, '
            "body: JSON.stringify({is_top: 1})})"
            ".then(() => {}, () => { document.forms[0].submit(); });"
            "</script>"
        )

    app = web.Application()
    app.router.add_get("/pin", pin)
    app.router.add_get("/packet", packet)
    app.router.add_get("/end", end)
    app.router.add_get("/create", create)
    app.router.add_get("/fetch", fetch)
    return app


@pytest.fixture
async def corp_browser() -> AsyncIterator[Browser]:
    """Chromium resolving every *.corp.test name to this machine."""
    if not HAVE_CHROMIUM:
        pytest.fail(f"Chromium is required at {CHROMIUM}")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, HOST_RULES], headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def corp_hub(make_settings: Any) -> AsyncIterator[LiveHub]:
    """A hub whose public URL is http://hub.corp.test:P, beside its simulator."""
    sim = await start_simulator(SimConfig(rooms=3, seed=5))
    port = free_port()
    url = f"http://hub.corp.test:{port}"
    settings = sim_settings(
        make_settings, sim.url, public_url=url, admin_users=frozenset({"zhangsan"})
    )
    server, app = await serve(settings, port)
    yield LiveHub(url, app, sim)
    await server.close()
    await sim.close()


async def refused_in_page(page: Page, hub: str) -> str:
    """Wait until the attacker's form lands on hub, and return what hub answered."""
    await page.wait_for_url(f"{hub}/**")
    return await page.inner_text("body")


@pytest.mark.browser
async def test_attacker_pages_on_the_same_site_change_nothing(
    corp_browser: Browser, corp_hub: LiveHub
) -> None:
    hub = corp_hub.url
    context, victim = await new_page(corp_browser)
    await sign_in(victim, corp_hub, "zhangsan")
    number = await create_meeting(victim, "受害者的会议")
    # The victim is an admin: a sync from hub's own page brings the rooms in.
    synced = await victim.evaluate(
        "async () => (await fetch('/api/admin/live/sync', {method: 'POST'})).status"
    )
    assert synced == 200
    rooms = await victim.evaluate("async () => (await fetch('/api/live/rooms')).json()")
    roomid = rooms["rooms"][0]["roomid"]
    assert rooms["rooms"][0]["is_top"] == 0

    attacker_port = free_port()
    attacker = TestServer(attacker_app(hub, number, roomid), host="127.0.0.1", port=attacker_port)
    await attacker.start_server()
    try:
        for origin in (
            f"http://evil.corp.test:{attacker_port}",
            f"http://hub.corp.test:{attacker_port}",
        ):
            for path in ("/packet", "/end", "/create"):
                tab = await context.new_page()
                await tab.goto(origin + path)
                answer = await refused_in_page(tab, hub)
                assert '"csrf"' in answer or '"unsupported_media_type"' in answer, (
                    origin,
                    path,
                    answer,
                )
                await tab.close()
            tab = await context.new_page()
            await tab.goto(origin + "/pin")
            answer = await refused_in_page(tab, hub)
            assert '"csrf"' in answer or '"method_not_allowed"' in answer, answer
            await tab.close()
            tab = await context.new_page()
            await tab.goto(origin + "/fetch")
            await tab.wait_for_function("document.title === 'sent'")
            await tab.wait_for_function("document.body.dataset.put === 'blocked'")
            await tab.close()
    finally:
        await attacker.close()

    # The victim's own page, in the same browser, still works and sees nothing changed.
    details = await victim.evaluate(
        "async (n) => (await fetch(`/api/meetings/${n}`)).json()", number
    )
    assert details["ended_at"] is None
    assert details["activities"]["redpackets"] == []
    mine = await victim.evaluate("async () => (await fetch('/api/meetings')).json()")
    assert [m["title"] for m in mine["meetings"]] == ["受害者的会议"]
    me = await victim.evaluate("async () => (await fetch('/api/me')).json()")
    assert me["user"]["name"] != "pwned"
    room = await victim.evaluate(
        "async (r) => (await fetch(`/api/live/rooms/${r}`)).json()", roomid
    )
    assert room["is_top"] == 0
    # And its writes go through (fetch sends Origin on same-origin POSTs).
    renamed = await victim.evaluate(
        "async () => (await fetch('/api/me', {method: 'PUT', headers: {'Content-Type': "
        "'application/json'}, body: JSON.stringify({name: '张三'})})).status"
    )
    assert renamed == 200
    await context.close()
