"""Take the Q&A screenshots in docs/ with Playwright: `python docs/make_screenshots_qa.py`.

Beside make_screenshots.py (whose helpers it reuses): a demo hub, a meeting where attendees ask and
upvote questions (one anonymously), the organizer answers one, highlights one and pins an
announcement; saves docs/screenshot-qa-phone.png (a phone with the pin and the questions) and
docs/screenshot-qa-screen.png (the screen presenting Q&A under the pin banner).
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_screenshots as shots

QUESTIONS = [
    ("lisi", "直播回放什么时候能支持剪辑？", False),
    ("wangwu", "红包雨会限制每人领取次数吗？", True),
    ("chenjing", "会议纪要能导出成 Word 吗？", False),
]


async def qa_scene(browser: object, base: str) -> None:
    """Three questions, upvotes, one answered, one highlighted, a pin; then the two shots."""
    org = await shots.person(browser, base, "zhangsan", "/")  # type: ignore[arg-type]
    await org.fill("#create-title", "产品发布会 · 问答")
    await org.click("#create-button")
    await org.wait_for_url(re.compile(r".*/m/\d{5}$"))
    number = await org.locator("#meeting-number").inner_text()
    path = f"/m/{number}"
    screen_page = await org.context.browser.new_context(locale="zh-CN", viewport=shots.PROJECTOR)  # type: ignore[union-attr]
    await screen_page.add_cookies(await org.context.cookies())
    screen = await screen_page.new_page()
    await screen.goto(f"{base}{path}/screen")
    await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")

    phones = {}
    for userid, _, _ in QUESTIONS:
        phones[userid] = await shots.person(browser, base, userid, path, phone=True)  # type: ignore[arg-type]
    asked = []
    for userid, text, anonymous in QUESTIONS:
        body = {"text": text, "anonymous": anonymous}
        asked.append(
            await shots.call(phones[userid], "POST", f"/api/meetings/{number}/questions", body)
        )
    for voter, targets in (("lisi", [1, 2]), ("wangwu", [1]), ("chenjing", [1, 0])):
        for i in targets:
            await shots.call(phones[voter], "POST", f"/api/questions/{asked[i]['id']}/upvote", {})
    await shots.call(org, "POST", f"/api/questions/{asked[0]['id']}/answer", {})
    await shots.call(org, "POST", f"/api/questions/{asked[1]['id']}/highlight", {})
    await shots.call(
        org, "PUT", f"/api/meetings/{number}/pin", {"text": "10:30 全体合影，请到一楼大厅"}
    )

    phone = phones["lisi"]
    await phone.reload()  # the upvotes were API calls: a fresh read shows each "mine"
    await expect(phone.locator("#pin-banner")).to_be_visible()
    await expect(phone.locator(".question-card")).to_have_count(3)
    # The whole phone page: the pin at the top, the chat, the ask form and the questions.
    await expect(phone.locator(".toast")).to_have_count(0, timeout=15_000)  # notices fade
    await shots.shoot(phone, "screenshot-qa-phone.png", full_page=True)
    await expect(screen.locator(".question-body.highlighted")).to_be_visible()
    await expect(screen.locator("#pin-banner")).to_be_visible()
    await shots.shoot(screen, "screenshot-qa-screen.png")


async def main() -> None:
    """Start the demo hub, take the Q&A screenshots, stop."""
    async with shots.demo_hub() as (base, _), shots.chromium() as browser:
        await qa_scene(browser, base)


if __name__ == "__main__":
    asyncio.run(main())
