"""The dashboard pages over plain HTTP: language, sign-in redirects, admin gate, escaping, feed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.app import STATIC_DIR, TEMPLATES_DIR, create_app
from hub.events import EVENTS
from hub.i18n import LANGUAGES, catalogue, negotiate, pick_language, translate
from hub.simulator import RunningSimulator
from hub.web.admin import require_admin
from tests.helpers_auth import login, new_browser, sim_settings

Client = TestClient[web.Request, web.Application]


async def _page(client: Any, path: str, **kwargs: Any) -> tuple[int, str]:
    resp = await client.get(path, allow_redirects=False, **kwargs)
    return resp.status, await resp.text()


def test_catalogues_have_the_same_keys() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en)
    assert all(v.strip() for v in (*zh.values(), *en.values()))


def test_every_message_key_used_by_pages_exists() -> None:
    used: set[str] = set()
    for path in [*TEMPLATES_DIR.rglob("*.html"), *(STATIC_DIR / "js").rglob("*.js")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
    assert len(used) > 50
    missing = sorted(k for k in used if k not in catalogue("zh"))
    assert missing == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr-FR,en;q=0.5,zh;q=0.4", "en"),
        ("en;q=0.2,zh-TW;q=0.8", "zh"),
        ("de, fr", "zh"),
        ("en;q=0", "zh"),
        ("en;q=bogus, zh;q=0.1", "zh"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_explicit_choice_beats_cookie_and_header() -> None:
    assert pick_language("en", "zh", "zh-CN") == "en"
    assert pick_language(None, "en", "zh-CN") == "en"
    assert pick_language("xx", "yy", "en") == "en"
    assert translate("en", "home.goods", n=3) == "Goods: 3"
    assert translate("zh", "no.such.key") == "no.such.key"
    assert set(LANGUAGES) == {"zh", "en"}


async def test_home_speaks_chinese_by_default_and_english_on_request(
    make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(make_settings())
    status, html = await _page(client, "/")
    assert status == 200
    assert '<html lang="zh-CN">' in html
    assert "加入会议" in html and "Join a meeting" not in html

    _, html = await _page(client, "/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in html and "Join a meeting" in html

    # The switch is remembered in a cookie and beats the browser's header afterwards.
    resp = await client.get("/?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "Join a meeting" in await resp.text()
    assert resp.cookies["lang"].value == "en"
    _, html = await _page(client, "/", headers={"Accept-Language": "zh-CN"})
    assert "Join a meeting" in html


async def test_pages_carry_security_headers_and_a_viewport(
    make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(make_settings())
    resp = await client.get("/login")
    assert resp.status == 200
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
    html = await resp.text()
    assert 'name="viewport"' in html
    # The page script is a versioned ES module served from /static.
    match = re.search(r'<script type="module" src="([^"]+)"', html)
    assert match and match.group(1).startswith("/static/js/login.js?v=")
    script = await client.get(match.group(1))
    assert script.status == 200


async def test_default_anchor_image_is_served(make_settings: Any, hub_client: Any) -> None:
    settings = make_settings()
    client = await hub_client(settings)
    resp = await client.get(settings.default_anchor_img)
    assert resp.status == 200
    assert resp.content_type == "image/png"
    assert (await resp.read()).startswith(b"\x89PNG\r\n\x1a\n")


async def test_login_page_starts_wecom_flow_with_a_local_next(
    make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(make_settings())
    status, html = await _page(client, "/login?next=/m/01234")
    assert status == 200
    assert 'href="/auth/login?next=/m/01234"' in html
    _, html = await _page(client, "/login?next=//evil.example/x")
    assert 'href="/auth/login?next=/"' in html


async def test_meeting_pages_send_anonymous_visitors_to_login(
    make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(make_settings())
    for path in ("/m/01234", "/m/01234/screen", "/admin"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 302
        assert resp.headers["Location"] == f"/login?next={path}"
    status, html = await _page(client, "/m/12ab5")
    assert status == 404 and "页面不存在" in html


async def test_signed_in_pages_show_the_user_escaped(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    assert await login(client, sim.url, "zhangsan", "/m/54321") == "/m/54321"
    resp = await client.put("/api/me", json={"name": "<b>张</b>'\"&"})
    assert resp.status == 200
    status, html = await _page(client, "/m/54321")
    assert status == 200
    assert "&lt;b&gt;张&lt;/b&gt;" in html and "<b>张</b>" not in html
    # The page's data block is JSON the script reads; "<" is escaped so it cannot end the tag.
    config = re.search(
        r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S
    )
    assert config is not None and "<b>" not in config.group(1)
    data = json.loads(config.group(1))
    assert data["number"] == "54321" and data["user"]["name"] == "<b>张</b>'\"&"
    # Signed in, /login goes straight on.
    resp = await client.get("/login?next=/m/54321", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/m/54321"


async def test_admin_page_only_for_admin_users(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, admin_users=frozenset({"lisi"})))
    await login(client, sim.url, "zhangsan")
    status, html = await _page(client, "/admin")
    assert status == 403 and "仅限管理员" in html
    assert 'id="nav-admin"' not in (await _page(client, "/"))[1]
    async with new_browser(client) as lisi:
        await login(lisi, sim.url, "lisi")
        resp = await lisi.get("/admin", allow_redirects=False)
        assert resp.status == 200 and 'id="sync-now"' in await resp.text()


async def test_admin_api_accepts_an_admin_session_from_our_own_pages(
    sim: RunningSimulator, make_settings: Any, aiohttp_client: Any
) -> None:
    settings = sim_settings(make_settings, sim.url, admin_users=frozenset({"lisi"}))
    app = create_app(settings)

    async def probe(request: web.Request) -> web.Response:
        await require_admin(request)
        return web.json_response({"ok": True})

    app.router.add_route("*", "/api/admin/_probe", probe)
    client: Client = await aiohttp_client(app)
    assert (await client.get("/api/admin/_probe")).status == 401
    await login(client, sim.url, "zhangsan")
    assert (await client.get("/api/admin/_probe")).status == 403
    async with new_browser(client) as lisi:
        await login(lisi, sim.url, "lisi")
        assert (await lisi.get("/api/admin/_probe")).status == 200
        own = str(client.make_url("")).rstrip("/")
        assert (await lisi.post("/api/admin/_probe", headers={"Origin": own})).status == 200
        # A write from another site's page (or with no Origin at all) is refused.
        evil = await lisi.post("/api/admin/_probe", headers={"Origin": "http://evil.example"})
        assert evil.status == 403
        assert (await lisi.post("/api/admin/_probe")).status == 403


async def test_live_feed_forwards_live_events(make_settings: Any, hub_client: Any) -> None:
    client = await hub_client(make_settings())
    async with client.ws_connect("/ws/live") as ws:
        # The subscription is taken right after the handshake; publish until one arrives.
        for _ in range(50):
            await client.app[EVENTS].live({"reason": "sync", "run_id": 7})
            try:
                msg = await ws.receive_json(timeout=0.1)
            except TimeoutError:
                continue
            break
        else:
            pytest.fail("no live event reached the feed")
        assert msg == {"type": "live", "reason": "sync", "run_id": 7}


def test_static_tree_has_no_remote_resources() -> None:
    # No CDN, no internet: every script and stylesheet is local.
    for path in [*Path(TEMPLATES_DIR).glob("*.html"), *(STATIC_DIR / "css").glob("*.css")]:
        assert not re.search(r"(src|href)=\"https?://", path.read_text(encoding="utf-8")), path
