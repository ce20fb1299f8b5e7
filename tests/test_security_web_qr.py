"""QR cost and QR links (issue 13, F9 and F10)."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Browser
from yarl import URL

from hub.meetings.qr import MAX_QR_TEXT, QR_RENDERS_PER_MINUTE, hub_link, join_qr
from hub.simulator import RunningSimulator
from tests.fixtures_browser import new_page
from tests.helpers_auth import login, new_browser, sim_settings

PUBLIC = "http://hub.example.com:8000"
# The review's tricks and their kin: each names another host to a browser, or hides one.
TRICKS = [
    "http://evil.example\\@hub.example.com:8000/m/12345",
    "http://evil.example\\\\@hub.example.com:8000/",
    "http:\\\\evil.example\\m\\12345",
    "http:/\\evil.example/",
    "http://hub.example.com:8000@evil.example/",
    "http://user:pw@hub.example.com:8000/m/12345",
    "http://evil.example#@hub.example.com:8000/",
    "http://evil.example?@hub.example.com:8000/",
    "//hub.example.com:8000/m/12345",
    "http://hub.example.com:8000\t.evil.example/",
    "http://hub.example.com.evil.example:8000/",
    "http://hub.example.com:80/",
    "https://hub.example.com:8000/",
    "ftp://hub.example.com:8000/",
    "javascript://hub.example.com:8000/%0aalert(1)",
    " http://hub.example.com:8000/",
]
GOOD = [
    "http://hub.example.com:8000/m/12345",
    "HTTP://Hub.Example.COM:8000/m/12345?from=share",
    "http://hub.example.com:8000/m/12345#chat",
    # A backslash before "@" ends the host for a browser too: this is hub's path "/@evil...".
    "http://hub.example.com:8000\\@evil.example/",
]


async def test_join_qr_only_for_live_meetings_rendered_once_with_an_etag(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, public_url=PUBLIC))
    await login(client, sim.url, "zhangsan")
    resp = await client.post("/api/meetings", json={"title": "qr"})
    number = (await resp.json())["number"]
    free = f"{(int(number) + 1) % 100000:05d}"
    # A number that is no live meeting has no QR: nothing is rendered for it.
    assert (await client.get(f"/m/{free}/qr.png")).status == 404
    hits = join_qr.cache_info().hits
    first = await client.get(f"/m/{number}/qr.png")
    assert first.status == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = await client.get(f"/m/{number}/qr.png")
    assert again.headers["ETag"] == etag and await again.read() == await first.read()
    assert join_qr.cache_info().hits > hits  # the second answer came from memory
    cached = await client.get(f"/m/{number}/qr.png", headers={"If-None-Match": etag})
    assert cached.status == 304 and await cached.read() == b""
    # Once ended, the number has no QR any more.
    assert (await client.post(f"/api/meetings/{number}/end")).status == 200
    assert (await client.get(f"/m/{number}/qr.png")).status == 404


async def test_a_live_meeting_qr_is_for_those_who_know_the_meeting(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, public_url=PUBLIC))
    await login(client, sim.url, "zhangsan")
    number = (await (await client.post("/api/meetings", json={"title": "qr"})).json())["number"]
    other = (await (await client.post("/api/meetings", json={"title": "b"})).json())["number"]
    free = f"{(int(number) + 1) % 100000:05d}"
    made = await client.post(f"/api/meetings/{number}/screen-links", json={})
    ticket = (await made.json())["url"].rsplit("/", 1)[1]
    async with new_browser(client) as stranger, new_browser(client) as anonymous:
        await login(stranger, sim.url, "lisi")
        # To a stranger, signed in or not, a live meeting's QR looks like a free number's (F2).
        for browser in (stranger, anonymous):
            for n in (number, free):
                resp = await browser.get(f"/m/{n}/qr.png")
                assert (resp.status, await resp.read()) == (404, b"404: Not Found")
        # The meeting's own screen link shows it (the screen page adds ?ticket=); not another's.
        assert (await anonymous.get(f"/m/{number}/qr.png?ticket={ticket}")).status == 200
        assert (await anonymous.get(f"/m/{other}/qr.png?ticket={ticket}")).status == 404


async def test_custom_qr_renders_are_rate_limited_per_user(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, public_url=PUBLIC))
    await login(client, sim.url, "zhangsan")
    statuses = []
    for i in range(QR_RENDERS_PER_MINUTE + 3):
        resp = await client.post("/api/qrcode", json={"url": f"{PUBLIC}/m/{i:05d}"})
        statuses.append(resp.status)
        if resp.status == 429:
            body = await resp.json()
            assert body["error"]["code"] == "qr_rate_limited"
            assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert statuses == [200] * QR_RENDERS_PER_MINUTE + [429] * 3
    # Refused links and over-long texts are refused before they count or render.
    long_url = f"{PUBLIC}/m/12345?x=" + "a" * MAX_QR_TEXT
    assert (await client.post("/api/qrcode", json={"url": long_url})).status == 400


def test_hub_link_refuses_the_tricks_and_keeps_real_links() -> None:
    for trick in TRICKS:
        assert hub_link(trick, PUBLIC) is None, trick
    for good in GOOD:
        link = hub_link(good, PUBLIC)
        assert link is not None and URL(link).host == "hub.example.com", good


async def test_chromium_agrees_with_every_accepted_link(browser: Browser) -> None:
    """What hub accepts, Chromium's URL parser opens on hub's origin; the backslash trick
    really names another host in Chromium (so refusing it is right)."""
    context, page = await new_page(browser)
    origins = await page.evaluate(
        "(urls) => urls.map((u) => { try { return new URL(u).origin; } catch { return null; } })",
        TRICKS + GOOD,
    )
    by_url = dict(zip(TRICKS + GOOD, origins, strict=True))
    assert by_url[TRICKS[0]] == "http://evil.example"  # the review's trick, as Chromium sees it
    for url, origin in by_url.items():
        accepted = hub_link(url, PUBLIC) is not None
        if accepted:
            assert origin == PUBLIC, (url, origin)
    for url in GOOD:
        assert by_url[url] == PUBLIC, url
    await context.close()
    json.dumps(by_url)  # plain data, printable in a failure
