"""Take the dashboard screenshots in docs/ with Playwright: `python docs/make_screenshots.py`.

Runs a demo hub (built-in simulator, generated rooms) in a temporary folder, signs people in
through the simulator's WeCom page, fills a meeting with chat and a poll, and saves:
docs/screenshot-home.png, docs/screenshot-meeting.png, docs/screenshot-meeting-phone.png,
docs/screenshot-admin.png, docs/screenshot-screen.png (the projector view).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import sys
import tempfile
from pathlib import Path

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


async def person(browser: Browser, base: str, userid: str, path: str, phone: bool = False) -> Page:
    """A browser context signed in as `userid` through the simulator, then at `path`."""
    context = await browser.new_context(
        locale="zh-CN",
        viewport=PHONE if phone else DESKTOP,  # type: ignore[arg-type]
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
    for button in await page.locator(".toast button").all():
        await button.click()
    await page.evaluate("window.scrollTo(0, 0)")
    await page.wait_for_timeout(900)
    await page.screenshot(path=str(DOCS / name), full_page=full_page)
    print("saved", DOCS / name)


async def say(page: Page, text: str) -> None:
    """Send one chat message."""
    await page.fill("#chat-input", text)
    await page.press("#chat-input", "Enter")
    await page.wait_for_timeout(150)


async def meeting_scene(browser: Browser, base: str) -> None:
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

    screen = await person(browser, base, "zhangsan", f"{path}/screen")
    await expect(screen.locator("#stage .poll-card, #stage .redpacket-card")).to_be_visible()
    await say(guests[1], "投票结果出来了！")
    await shoot(screen, "screenshot-screen.png")

    phone = await person(browser, base, "liuyang", path, phone=True)
    await expect(phone.locator("#conn.open")).to_be_visible()
    await shoot(phone, "screenshot-meeting-phone.png")


async def main() -> None:
    """Start the demo hub, take every screenshot, stop."""
    with tempfile.TemporaryDirectory(prefix="hub-shots-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = Settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/hub.db",
            public_url=base,
            secret_key=secrets.token_urlsafe(48),
            admin_token=secrets.token_urlsafe(24),
            demo=True,
            demo_rooms=16,
            live_sync_enabled=True,
            live_sync_interval=60.0,
        )
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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

                await meeting_scene(browser, base)
                await browser.close()
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
