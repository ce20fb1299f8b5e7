"""Take the dashboard screenshots in docs/ with Playwright: `python docs/make_screenshots.py`.

Runs a demo hub (built-in simulator, generated rooms) in a temporary folder, signs people in
through the simulator's WeCom page, fills a meeting with chat and a poll, and saves:
docs/screenshot-home.png, docs/screenshot-meeting.png, docs/screenshot-meeting-phone.png,
docs/screenshot-admin.png, docs/screenshot-me-phone.png (my meetings), and the big screen at
1920x1080 in every state it has:
docs/screenshot-screen.png (the first activity presented) and docs/screenshot-screen-<state>.png for
join, chat, poll, lottery, rating, redpacket, blank, help, offline, ended, revoked-link and
unknown-number.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import secrets
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.app import create_app  # noqa: E402
from hub.settings import Settings  # noqa: E402
from tests.fixtures_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import free_port  # noqa: E402

DOCS = ROOT / "docs"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
IMAGES_LOADED = "[...document.images].filter(i => i.loading !== 'lazy').every(i => i.complete)"
# The simulator's WeCom answers carry no display name; people pick one (PUT /api/me).
NAMES = {
    "zhangsan": "张三",
    "lisi": "李四",
    "wangwu": "王五",
    "chenjing": "陈静",
    "liuyang": "刘洋",
}
RENAME = """name => fetch('/api/me', {method: 'PUT', headers: {'Content-Type': 'application/json'},
  body: JSON.stringify({name})}).then(r => r.status)"""


CALL = """([method, path, body]) => fetch(path, {method,
  headers: {'Content-Type': 'application/json'},
  body: body === null ? undefined : JSON.stringify(body),
}).then(r => r.status === 204 ? {} : r.json())"""


@asynccontextmanager
async def demo_hub(**overrides: Any) -> AsyncIterator[tuple[str, web.AppRunner]]:
    """A demo hub (built-in simulator, SQLite in a temporary folder) on a free port: its base URL
    and runner. A scene may stop the runner itself (the offline shot); it is stopped otherwise."""
    with tempfile.TemporaryDirectory(prefix="hub-shots-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        demo = Settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/hub.db",
            public_url=base,
            secret_key=secrets.token_urlsafe(48),
            admin_token=secrets.token_urlsafe(24),
            demo=True,
            demo_rooms=4,
        )
        settings = dataclasses.replace(demo, **overrides)
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield base, runner
        finally:
            if runner.server is not None:
                await runner.cleanup()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """The headless Chromium the browser tests use."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def call(page: Page, method: str, path: str, body: object = None) -> Any:
    """An API call from a signed-in page (same origin, its cookie)."""
    return await page.evaluate(CALL, [method, path, body])


async def person(
    browser: Browser,
    base: str,
    userid: str,
    path: str,
    phone: bool = False,
    viewport: dict[str, int] | None = None,
) -> Page:
    """A browser context signed in as `userid` through the simulator, then at `path`."""
    context = await browser.new_context(
        locale="zh-CN",
        viewport=viewport or (PHONE if phone else DESKTOP),  # type: ignore[arg-type]
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
    )
    page = await context.new_page()
    await page.goto(f"{base}/login?next=/")
    await page.click("#wecom-login")
    await page.click(f'a[href*="userid={userid}"]')
    await page.wait_for_url(base + "/")
    assert await page.evaluate(RENAME, NAMES[userid]) == 200
    await page.goto(base + path)
    return page


async def shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Let images and transitions settle, close notices, then save docs/<name>."""
    await page.wait_for_function(IMAGES_LOADED)
    # Removed rather than clicked: a notice may time out while we reach for it.
    await page.evaluate("document.querySelectorAll('#toasts .toast').forEach(t => t.remove())")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.wait_for_timeout(900)
    await page.screenshot(path=str(DOCS / name), full_page=full_page)
    print("saved", DOCS / name)


async def say(page: Page, text: str) -> None:
    """Send one chat message."""
    await page.fill("#chat-input", text)
    await page.press("#chat-input", "Enter")
    await page.wait_for_timeout(150)


async def meeting_scene(browser: Browser, base: str) -> Page:
    """A weekly meeting with four people, some chat, an open poll and a grabbed red packet."""
    org = await person(browser, base, "zhangsan", "/")
    await org.fill("#create-title", "产品周会 · 第 12 期")
    await org.click("#create-button")
    await org.wait_for_url(re.compile(r".*/m/\d{5}$"))
    number = await org.locator("#meeting-number").inner_text()
    path = f"/m/{number}"
    guests = [await person(browser, base, uid, path) for uid in ("lisi", "wangwu", "chenjing")]
    for page in (org, *guests):
        await expect(page.locator("#conn.open")).to_be_visible()

    await say(org, "大家好，今天主要过一下下季度的规划")
    await say(guests[0], "收到！上周的数据我已经整理好了")
    await say(guests[1], "我晚到五分钟，先看直播回放")
    await say(guests[2], "Q3 的需求列表在共享文档里")
    await say(org, "先投个票，看看大家最想先做哪个")

    await org.locator('form[data-create="poll"]').locator("xpath=..").locator("summary").click()
    form = org.locator('form[data-create="poll"]')
    await form.locator('input[name="question"]').fill("下季度优先做哪个功能？")
    await form.locator('textarea[name="options"]').fill("直播回放剪辑\n会议纪要自动生成\n红包雨")
    await form.locator("button[type=submit]").click()
    for page, choice in zip(
        guests, ("会议纪要自动生成", "直播回放剪辑", "会议纪要自动生成"), strict=True
    ):
        poll = page.locator(".poll-card")
        await poll.locator(".option", has_text=choice).locator("input").check()
        await poll.locator("button.vote").click()
        await expect(poll.locator(".option.mine")).to_be_visible()

    await (
        org.locator('form[data-create="redpacket"]').locator("xpath=..").locator("summary").click()
    )
    packet = org.locator('form[data-create="redpacket"]')
    await packet.locator('input[name="total"]').fill("6.66")
    await packet.locator('input[name="count"]').fill("3")
    await packet.locator("button[type=submit]").click()
    for page in guests[:2]:
        await page.locator(".redpacket-card button.grab").click()
        await expect(page.locator(".redpacket-card .got")).to_be_visible()
    await say(guests[0], "谢谢老板的红包！")
    await expect(org.locator(".poll-card .total")).to_contain_text("3")
    await shoot(org, "screenshot-meeting.png", full_page=True)

    screen = await person(browser, base, "zhangsan", f"{path}/screen", viewport=PROJECTOR)
    await expect(screen.locator("#stage .poll-card, #stage .redpacket-card")).to_be_visible()
    await say(guests[1], "投票结果出来了！")
    await shoot(screen, "screenshot-screen.png")

    phone = await person(browser, base, "liuyang", path, phone=True)
    await expect(phone.locator("#conn.open")).to_be_visible()
    await shoot(phone, "screenshot-meeting-phone.png")
    return await screen_states(browser, base, org, guests, number, screen)


async def present(org: Page, screen: Page, number: str, body: dict[str, Any], hook: str) -> None:
    """The organizer puts `body` on the screen; wait until the screen shows it."""
    await call(org, "PUT", f"/api/meetings/{number}/presenting", body)
    await expect(screen.locator("#screen")).to_have_attribute("data-presenting", hook)


async def screen_states(
    browser: Browser, base: str, org: Page, guests: list[Page], number: str, screen: Page
) -> Page:
    """Every state of the big screen at 1920x1080 (docs/dashboard.md lists them)."""
    api = f"/api/meetings/{number}"
    await present(org, screen, number, {"show": "join"}, "join")
    await shoot(screen, "screenshot-screen-join.png")
    await present(org, screen, number, {"show": "chat"}, "chat")
    await shoot(screen, "screenshot-screen-chat.png")
    acts = await call(org, "GET", f"{api}/screen")
    poll = acts["activities"]["polls"][0]
    await present(
        org,
        screen,
        number,
        {"show": "activity", "kind": "poll", "id": poll["id"]},
        f"activity:poll:{poll['id']}",
    )
    await shoot(screen, "screenshot-screen-poll.png")
    packet = acts["activities"]["redpackets"][0]
    await present(
        org,
        screen,
        number,
        {"show": "activity", "kind": "redpacket", "id": packet["id"]},
        f"activity:redpacket:{packet['id']}",
    )
    await shoot(screen, "screenshot-screen-redpacket.png")
    rating = await call(org, "POST", f"{api}/ratings", {"subject": "今天的分享", "max": 5})
    await expect(screen.locator("#stage .rating-card")).to_be_visible()
    for page, score in zip(guests, (5, 4, 5), strict=True):
        await call(page, "POST", f"/api/ratings/{rating['id']}/score", {"score": score})
    await expect(screen.locator("#stage .average-sub", has_text="3")).to_be_visible()
    await shoot(screen, "screenshot-screen-rating.png")
    lottery = await call(org, "POST", f"{api}/lotteries", {"title": "幸运奖", "winners": 2})
    await expect(screen.locator("#stage .lottery-card .waiting")).to_be_visible()
    await call(org, "POST", f"/api/lotteries/{lottery['id']}/draw", {})
    await expect(screen.locator("#stage .winner")).to_have_count(2)
    await shoot(screen, "screenshot-screen-lottery.png")
    await present(org, screen, number, {"show": "blank"}, "blank")
    await shoot(screen, "screenshot-screen-blank.png")
    await present(org, screen, number, {"show": "join"}, "join")
    await screen.keyboard.press("?")
    await shoot(screen, "screenshot-screen-help.png")
    await screen.keyboard.press("?")

    link = await call(org, "POST", f"{api}/screen-links", {})
    kiosk_context = await browser.new_context(locale="zh-CN", viewport=PROJECTOR)  # type: ignore[arg-type]
    kiosk = await kiosk_context.new_page()
    await kiosk.goto(base + link["url"])
    await expect(kiosk.locator("#connection")).to_have_attribute("data-state", "online")
    await call(org, "DELETE", f"{api}/screen-links/{link['id']}")
    await expect(kiosk.locator("#revoked-panel")).to_be_visible()
    await kiosk.reload()
    await shoot(kiosk, "screenshot-screen-revoked-link.png")
    stranger = await screen.context.new_page()
    await stranger.goto(base + "/m/99999/screen")
    await expect(stranger.locator("#unknown-panel")).to_be_visible()
    await shoot(stranger, "screenshot-screen-unknown-number.png")

    await call(org, "POST", f"{api}/end", {})
    await expect(screen.locator("#ended-panel")).to_be_visible()
    await shoot(screen, "screenshot-screen-ended.png")

    # A screen left open on another meeting: main() stops the hub under it (the offline badge).
    other = await call(org, "POST", "/api/meetings", {"title": "下午场 · 茶歇后继续"})
    other_link = await call(org, "POST", f"/api/meetings/{other['number']}/screen-links", {})
    await kiosk.goto(base + other_link["url"])
    await expect(kiosk.locator("#connection")).to_have_attribute("data-state", "online")
    return kiosk


async def main() -> None:
    """Start the demo hub, take every screenshot, stop."""
    hub = demo_hub(demo_rooms=16, live_sync_enabled=True, live_sync_interval=60.0)
    async with hub as (base, runner), chromium() as browser:
        home = await person(browser, base, "zhangsan", "/")
        await expect(home.locator(".room-card")).to_have_count(16, timeout=15_000)
        await shoot(home, "screenshot-home.png")

        admin = await person(browser, base, "zhangsan", "/admin")
        await admin.click("#sync-now")
        await expect(admin.locator(".toast.ok")).to_be_visible()
        await admin.locator(".toast button").click()
        await admin.locator("#admin-rooms tbody tr button").nth(2).click()
        await expect(admin.locator(".toast.ok")).to_be_visible()
        await admin.locator(".toast button").first.click()
        await shoot(admin, "screenshot-admin.png")

        left_open = await meeting_scene(browser, base)
        mine = await person(browser, base, "zhangsan", "/me", phone=True)
        await expect(mine.locator("#my-meetings li[data-number]").first).to_be_visible()
        await shoot(mine, "screenshot-me-phone.png")
        await runner.cleanup()
        badge = left_open.locator("#connection")
        await expect(badge).to_have_attribute("data-state", "offline")
        await left_open.wait_for_timeout(900)
        await left_open.screenshot(path=str(DOCS / "screenshot-screen-offline.png"))
        print("saved", DOCS / "screenshot-screen-offline.png")


if __name__ == "__main__":
    asyncio.run(main())
