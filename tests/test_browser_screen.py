"""The big screen in real Chromium: it fits every projector with heavy content, is readable
(type, QR size, contrast measured in the page), and follows the organizer through a screen link."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from playwright.async_api import APIRequestContext, Browser, Page, WebSocket, expect

from hub.keys import CACHE, DB
from hub.realtime.ticket import issue_ticket
from hub.settings import Settings
from hub.simulator import SimConfig, start_simulator
from hub.storage import open_database
from hub.storage.chat import add_message
from hub.storage.meetings import join_meeting, meeting_by_number
from hub.storage.polls import cast_ballot
from hub.storage.ratings import set_score
from hub.storage.redpackets import claim_share
from hub.storage.users import upsert_login
from tests.fixtures_browser import (
    LiveHub,
    StartHub,
    create_meeting,
    new_page,
    page_errors,
    serve,
    sign_in,
)
from tests.helpers_auth import sim_settings
from tests.servers import free_port

pytestmark = pytest.mark.browser

VIEWPORTS = [(1920, 1080), (1366, 768), (1280, 720), (3840, 2160)]
CROWD = 500
# Longer than the screen's reconnect backoff (at most 3 s): a socket that would come back has.
QUIET_SECONDS = 4.0

# Measured in the page: the document never scrolls, no visible text is below 2.5% of the
# viewport height, and every visible text has contrast >= 4.5:1 on the background behind it.
MEASURE = """
() => {
  const parse = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return parse(getComputedStyle(document.body).backgroundColor).slice(0, 3);
  };
  const low = [];
  const small = [];
  for (const node of document.querySelectorAll("body *")) {
    const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!own || !node.checkVisibility({ visibilityProperty: true })) continue;
    const box = node.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(node);
    const fg = lum(parse(style.color).slice(0, 3));
    const bg = lum(background(node));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const label = `${node.tagName}.${node.className}: ${node.textContent.trim().slice(0, 20)}`;
    if (ratio < 4.5) low.push(`${label} ${ratio.toFixed(2)}`);
    const floor = 0.025 * innerHeight - 0.5;
    if (parseFloat(style.fontSize) < floor) small.push(`${label} ${style.fontSize}`);
  }
  const root = document.documentElement;
  const size = { height: root.scrollHeight, width: root.scrollWidth };
  return { ...size, vh: innerHeight, vw: innerWidth, low, small };
}
"""


async def _ok(resp: Any, status: int = 200) -> Any:
    assert resp.status == status, (resp.status, await resp.text())
    return await resp.json()


async def _api(
    request: APIRequestContext,
    hub: LiveHub,
    method: str,
    path: str,
    body: Any = None,
    status: int = 200,
) -> Any:
    resp = await request.fetch(
        hub.url + path, method=method, data=body, headers={"Origin": hub.url}
    )
    return await _ok(resp, status)


async def _fits(page: Page, what: str) -> None:
    """Everything the issue asks of the screen, measured now."""
    got = await page.evaluate(MEASURE)
    where = f"{what} at {got['vw']}x{got['vh']}"
    assert got["height"] <= got["vh"] and got["width"] <= got["vw"], (where, got)
    assert got["low"] == [], (where, got["low"])
    assert got["small"] == [], (where, got["small"])


async def _inside(page: Page, selector: str) -> None:
    """The element is on screen, not cut off below or beside it."""
    box = await page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 1, (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1, (selector, box)


async def _heavy_meeting(browser: Browser, hub: LiveHub) -> tuple[Any, str, dict[str, Any]]:
    """A meeting full of the issue's heavy contents; returns the organizer's page context,
    the number and the activities by kind."""
    context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    req = context.request
    title = "年度大会" * 25  # the longest title a meeting takes (100 characters)
    number = (await _api(req, hub, "POST", "/api/meetings", {"title": title}, 201))["number"]
    db = hub.app[DB]
    meeting = await meeting_by_number(db, number)
    assert meeting is not None
    now = time.time()
    crowd = [await upsert_login(db, f"guest{i:03d}", None, now) for i in range(CROWD)]
    for user in crowd:
        await join_meeting(db, meeting.id, user.id, now)
    for i in range(500):  # a 500-message chat wall, some of them long
        text = f"第 {i} 条消息 " + ("很长的发言" * 30 if i % 7 == 0 else "")
        await add_message(db, meeting.id, crowd[i].id, f"c{i}", text, now)
    base = f"/api/meetings/{number}"
    poll = await _api(
        req,
        hub,
        "POST",
        f"{base}/polls",
        {
            "question": "问" * 200,
            "options": [f"{i:02d} " + "选项内容很长" * 9 + "尾" for i in range(20)],
        },
        201,
    )
    options = [o["id"] for o in poll["options"]]
    for i, user in enumerate(crowd[:200]):
        await cast_ballot(db, poll["id"], user.id, [options[i % 20]], now)
    lottery = await _api(
        req, hub, "POST", f"{base}/lotteries", {"title": "一等奖", "winners": 100}, 201
    )
    lottery = await _api(req, hub, "POST", f"/api/lotteries/{lottery['id']}/draw", {})
    assert len(lottery["winners"]) == 100
    packet = await _api(
        req, hub, "POST", f"{base}/redpackets", {"total_cents": 88888, "count": 500}, 201
    )
    for user in crowd:
        await claim_share(db, packet["id"], user.id, now)
    rating = await _api(req, hub, "POST", f"{base}/ratings", {"subject": "分享", "max": 5}, 201)
    for i, user in enumerate(crowd[:50]):
        await set_score(db, rating["id"], user.id, 1 + i % 5, now)
    return (
        context,
        number,
        {"poll": poll, "lottery": lottery, "redpacket": packet, "rating": rating},
    )


async def test_the_screen_fits_every_projector_with_heavy_content(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org_context, number, made = await _heavy_meeting(browser, hub)
    req = org_context.request
    link = await _api(req, hub, "POST", f"/api/meetings/{number}/screen-links", {}, 201)
    presenting = f"/api/meetings/{number}/presenting"
    for width, height in VIEWPORTS:
        context, screen = await new_page(browser, viewport={"width": width, "height": height})
        await screen.goto(hub.url + link["url"])
        root = screen.locator("#screen")
        await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")

        await _api(req, hub, "PUT", presenting, {"show": "join"})
        await expect(root).to_have_attribute("data-presenting", "join")
        qr = await screen.locator("#join-qr").bounding_box()
        assert qr is not None and qr["height"] >= 0.45 * height, (width, height, qr)
        await _inside(screen, "#join-number")
        await _fits(screen, "join")

        await _api(req, hub, "PUT", presenting, {"show": "chat"})
        await expect(root).to_have_attribute("data-presenting", "chat")
        await _inside(screen, "#messages .msg:last-child .bubble")
        await expect(screen.locator("#messages .msg:last-child .bubble")).to_contain_text(
            "第 499 条"
        )
        await _fits(screen, "chat wall of 500")

        for kind, item in made.items():
            body = {"show": "activity", "kind": kind, "id": item["id"]}
            await _api(req, hub, "PUT", presenting, body)
            await expect(root).to_have_attribute("data-presenting", f"activity:{kind}:{item['id']}")
            await expect(screen.locator(f"#stage .{kind}-card")).to_be_visible()
            if kind == "poll":
                await expect(screen.locator("#stage .options .label")).to_have_count(20)
                await _inside(screen, "#stage .options .label >> nth=19")
                await _inside(screen, "#stage .total")
            if kind == "lottery":
                await expect(screen.locator("#stage .winner")).to_have_count(100)
                await _inside(screen, "#stage .winner:visible >> nth=-1")
                # Every winner is named, or counted in "and N more".
                shown = await screen.locator("#stage .winner:visible").count()
                if shown < 100:
                    await expect(screen.locator("#stage .more")).to_have_text(
                        f"等 {100 - shown} 人"
                    )
            if kind == "redpacket":
                for part in (".blessing", ".figures", ".best-title"):
                    await _inside(screen, f"#stage {part}")
                await expect(screen.locator("#stage .best-title")).to_contain_text("手气最佳")
            if kind == "rating":
                await _inside(screen, "#stage .average")
                await expect(screen.locator("#stage .dist .bar")).to_have_count(5)
            await _fits(screen, kind)
        assert page_errors(screen) == []
        await context.close()
    await org_context.close()


def _sockets(page: Page) -> list[WebSocket]:
    """Every screen websocket the page opens from now on."""
    found: list[WebSocket] = []
    page.on("websocket", lambda ws: found.append(ws) if "/ws/" in ws.url else None)
    return found


async def test_a_screen_link_follows_the_organizer_until_revoked(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org_context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "投屏链接")
    link = await _api(
        org_context.request, hub, "POST", f"/api/meetings/{number}/screen-links", {}, 201
    )
    # The meeting-room PC: no cookies at all.
    context, screen = await new_page(browser, viewport={"width": 1920, "height": 1080})
    sockets = _sockets(screen)
    await screen.goto(hub.url + link["url"])
    root = screen.locator("#screen")
    await expect(root).to_have_attribute("data-presenting", "join")
    await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    assert await context.cookies() == []

    # The organizer's buttons switch it at once, and a refresh keeps it.
    await org.locator('#present-card .present-btn[data-present="chat"]').click()
    await expect(root).to_have_attribute("data-presenting", "chat")
    await expect(org.locator('.present-btn[data-present="chat"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    await screen.reload()
    await expect(root).to_have_attribute("data-presenting", "chat")
    # A new activity takes the screen; the card's button is marked; votes do not move it.
    form = org.locator('form[data-create="poll"]')
    await form.locator("xpath=..").locator("summary").click()
    await form.locator('input[name="question"]').fill("去哪团建？")
    await form.locator('textarea[name="options"]').fill("爬山\n看电影")
    await form.locator("button[type=submit]").click()
    poll_id = await org.locator(".poll-card").get_attribute("data-id")
    await expect(root).to_have_attribute("data-presenting", f"activity:poll:{poll_id}")
    await expect(org.locator(".poll-card .present-btn")).to_have_attribute("aria-pressed", "true")
    # The screen's own keys go through the same PUT: B blank, Q join, ← back to the poll.
    await screen.keyboard.press("b")
    await expect(root).to_have_attribute("data-presenting", "blank")
    await expect(org.locator('.present-btn[data-present="blank"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    await screen.keyboard.press("q")
    await expect(root).to_have_attribute("data-presenting", "join")
    await screen.keyboard.press("ArrowLeft")
    await expect(root).to_have_attribute("data-presenting", f"activity:poll:{poll_id}")
    await screen.keyboard.press("?")
    await expect(screen.locator("#help")).to_be_visible()
    await screen.keyboard.press("?")

    # Someone else's PUT is refused.
    other_context, other = await new_page(browser)
    await sign_in(other, hub, "lisi")
    joined = await other_context.request.post(
        f"{hub.url}/api/meetings/{number}/join", headers={"Origin": hub.url}
    )
    assert joined.status == 200
    await other.goto(f"{hub.url}/m/{number}")
    resp = await other_context.request.put(
        f"{hub.url}/api/meetings/{number}/presenting",
        data={"show": "blank"},
        headers={"Origin": hub.url},
    )
    assert resp.status == 403
    await expect(other.locator("#present-card")).to_be_hidden()
    # An attendee's reaction floats up over the screen (static/js/engage.js).
    await expect(other.locator("#conn.open")).to_be_visible()
    await other.evaluate("window.hubMeeting.room.send({type: 'reaction', emoji: '👍'})")
    await expect(screen.locator("#overlay .floating-reaction").first).to_be_attached()

    # Revoked: the open screen stops at once and says so; a reload gets a clear page.
    opened = len(sockets)
    resp = await org_context.request.delete(
        f"{hub.url}/api/meetings/{number}/screen-links/{link['id']}", headers={"Origin": hub.url}
    )
    assert resp.status == 204
    await expect(root).to_have_attribute("data-link", "revoked")
    await expect(screen.locator("#revoked-panel")).to_be_visible()
    await asyncio.sleep(QUIET_SECONDS)
    assert len(sockets) == opened
    await screen.reload()
    await expect(screen.locator("h1")).to_have_text("投屏链接已失效")
    assert page_errors(screen) == [] and page_errors(org) == []
    for ctx in (context, other_context, org_context):
        await ctx.close()


async def test_the_screen_is_never_online_nor_a_lottery_winner(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org_context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "五十人")
    db = hub.app[DB]
    meeting = await meeting_by_number(db, number)
    assert meeting is not None
    # Two screens: the organizer's own signed-in one, and a meeting-room PC's screen link.
    own_context, own = await new_page(browser, viewport={"width": 1366, "height": 768})
    await sign_in(own, hub, "zhangsan")
    await own.goto(f"{hub.url}/m/{number}/screen")
    link = await _api(
        org_context.request, hub, "POST", f"/api/meetings/{number}/screen-links", {}, 201
    )
    pc_context, pc = await new_page(browser, viewport={"width": 1920, "height": 1080})
    await pc.goto(hub.url + link["url"])
    for screen in (own, pc):
        await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    now = time.time()
    crowd = [await upsert_login(db, f"p{i:02d}", None, now) for i in range(49)]
    async with aiohttp.ClientSession() as http:
        sockets = []
        for user in crowd:
            await join_meeting(db, meeting.id, user.id, now)
            ticket = await issue_ticket(hub.app[CACHE], user.id, meeting.id)
            url = f"{hub.url}/ws/meetings/{number}?ticket={ticket}"
            sockets.append(await http.ws_connect(url))
        # 49 guests and the organizer's page: 50 people online; no screen is one of them.
        for screen in (own, pc):
            await expect(screen.locator("#online-count")).to_have_text("在线 50 人")
        await expect(org.locator("#online-title")).to_contain_text("50")
        details = await _api(org_context.request, hub, "GET", f"/api/meetings/{number}")
        assert len(details["attendees"]) == 50 and len(details["online"]) == 50
        body = {"title": "全员奖", "winners": 49}
        base = f"/api/meetings/{number}"
        lottery = await _api(org_context.request, hub, "POST", f"{base}/lotteries", body, 201)
        draw = f"/api/lotteries/{lottery['id']}/draw"
        drawn = await _api(org_context.request, hub, "POST", draw, {})
        assert {w["userid"] for w in drawn["winners"]} == {u.userid for u in crowd}
        for screen in (own, pc):
            await expect(screen.locator("#stage .winner")).to_have_count(49)
        for ws in sockets:
            await ws.close()
    for ctx in (own_context, pc_context, org_context):
        await ctx.close()


async def test_ending_shows_the_summary_and_never_reconnects(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org_context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "散会")
    link = await _api(
        org_context.request, hub, "POST", f"/api/meetings/{number}/screen-links", {}, 201
    )
    context, screen = await new_page(browser, viewport={"width": 1280, "height": 720})
    sockets = _sockets(screen)
    await screen.goto(hub.url + link["url"])
    await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    await _api(org_context.request, hub, "POST", f"/api/meetings/{number}/end", {})
    root = screen.locator("#screen")
    await expect(root).to_have_attribute("data-meeting-state", "ended", timeout=2000)
    await expect(screen.locator("#ended-panel")).to_be_visible()
    await expect(screen.locator("#ended-summary")).to_contain_text("1 人参会")
    # It stops inviting people: the summary replaces the QR.
    await expect(screen.locator("#join-qr")).to_be_hidden()
    await _inside(screen, "#ended-panel h2")
    await _inside(screen, "#ended-summary")
    await _fits(screen, "ended")
    opened = len(sockets)
    await asyncio.sleep(30)
    assert len(sockets) == opened
    assert page_errors(screen) == []
    await context.close()
    await org_context.close()


async def test_the_connection_badge_shows_a_lost_server_and_the_resume(
    browser: Browser, make_settings: Callable[..., Settings]
) -> None:
    sim = await start_simulator(SimConfig(rooms=0))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = sim_settings(make_settings, sim.url, public_url=url)
    server, app = await serve(settings, port)
    hub = LiveHub(url, app, sim)
    try:
        org_context, org = await new_page(browser)
        await sign_in(org, hub, "zhangsan")
        number = (
            await _api(org_context.request, hub, "POST", "/api/meetings", {"title": "断线"}, 201)
        )["number"]
        base = f"/api/meetings/{number}"
        link = await _api(org_context.request, hub, "POST", f"{base}/screen-links", {}, 201)
        await _api(org_context.request, hub, "PUT", f"{base}/presenting", {"show": "chat"})
        context, screen = await new_page(browser, viewport={"width": 1280, "height": 720})
        await screen.goto(url + link["url"])
        badge = screen.locator("#connection")
        await expect(badge).to_have_attribute("data-state", "online")

        await server.close()
        await expect(badge).to_have_attribute("data-state", "offline", timeout=5000)
        # Said while the screen was away: it arrives once, after the resume.
        db = await open_database(settings.database_url)
        meeting = await meeting_by_number(db, number)
        assert meeting is not None
        await add_message(db, meeting.id, meeting.organizer_id, "gap-1", "离线时的话", time.time())
        await db.close()
        server, app = await serve(settings, port)
        await expect(badge).to_have_attribute("data-state", "online")
        await expect(screen.locator("#messages .bubble", has_text="离线时的话")).to_have_count(1)
        seqs = await screen.eval_on_selector_all(
            "#messages .msg", "ns => ns.map(n => n.dataset.seq)"
        )
        assert len(seqs) == len(set(seqs)) == 1
        assert page_errors(screen) == []
        await context.close()
        await org_context.close()
    finally:
        await server.close()
        await sim.close()


async def test_the_screen_reveals_hidden_results_and_draws_with_a_countdown(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org_context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    req = org_context.request
    number = (await _api(req, hub, "POST", "/api/meetings", {"title": "揭晓"}, 201))["number"]
    base = f"/api/meetings/{number}"
    link = await _api(req, hub, "POST", f"{base}/screen-links", {}, 201)
    context, screen = await new_page(browser, viewport={"width": 1366, "height": 768})
    await screen.goto(hub.url + link["url"])
    await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    db = hub.app[DB]
    meeting = await meeting_by_number(db, number)
    assert meeting is not None
    now = time.time()
    crowd = [await upsert_login(db, f"v{i}", None, now) for i in range(6)]
    for user in crowd:
        await join_meeting(db, meeting.id, user.id, now)

    body = {"question": "保密投票", "options": ["甲", "乙"], "hide_results": True}
    poll = await _api(req, hub, "POST", f"{base}/polls", body, 201)
    card = screen.locator("#stage .poll-card")
    await expect(card.locator(".total")).to_have_text("结果将在投票结束后揭晓")
    await expect(card.locator(".bar")).to_have_count(0)
    for i, user in enumerate(crowd):
        await cast_ballot(db, poll["id"], user.id, [poll["options"][i % 3 // 2]["id"]], now)
    await _api(req, hub, "POST", f"/api/polls/{poll['id']}/close", {})
    await expect(card.locator(".bar")).to_have_count(2)
    await expect(card.locator(".total")).to_have_text("共 6 票")

    lottery = await _api(
        req, hub, "POST", f"{base}/lotteries", {"title": "惊喜", "winners": 2}, 201
    )
    await expect(screen.locator("#stage .lottery-card .waiting")).to_be_visible()
    await _api(req, hub, "POST", f"/api/lotteries/{lottery['id']}/draw", {})
    # The reveal counts down before it names anyone.
    await expect(screen.locator("#stage .countdown")).to_be_visible()
    await expect(screen.locator("#stage .winner")).to_have_count(0)
    await expect(screen.locator("#stage .winner")).to_have_count(2)
    assert page_errors(screen) == []
    await context.close()
    await org_context.close()
