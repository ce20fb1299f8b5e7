"""Screenshots of the word cloud, the quiz and the check-in (issue 19), on phones and the big
screen: `python docs/make_screenshots_engage.py`. Beside make_screenshots.py, whose demo hub and
sign-in it reuses; saves docs/screenshot-engage-<kind>-<view>.png."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from playwright.async_api import Browser, Page, expect

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))
sys.path.insert(0, str(DOCS.parent))

from make_screenshots import PROJECTOR, call, chromium, demo_hub, person, shoot  # noqa: E402

WORDS = {
    "lisi": ["高效", "AI", "协作"],
    "wangwu": ["ＡＩ", "增长", "高效"],
    "chenjing": ["ai", "开心", "高效"],
    "liuyang": ["协作", "创新", "Ai"],
}


async def engage_scene(browser: Browser, base: str) -> None:
    """A meeting with four phones: a word cloud, a quiz and a check-in, each on the screen."""
    org = await person(browser, base, "zhangsan", "/")
    await org.fill("#create-title", "季度复盘 · 互动")
    await org.click("#create-button")
    await org.wait_for_url(re.compile(r".*/m/\d{5}$"))
    number = await org.locator("#meeting-number").inner_text()
    path = f"/m/{number}"
    phones: dict[str, Page] = {u: await person(browser, base, u, path, phone=True) for u in WORDS}
    screen = await person(browser, base, "zhangsan", path + "/screen", viewport=PROJECTOR)

    cloud = await call(
        org,
        "POST",
        f"/api/meetings/{number}/wordclouds",
        {"prompt": "用一个词形容这个季度", "max_entries": 3},
    )
    for userid, words in WORDS.items():
        await call(
            phones[userid], "POST", f"/api/wordclouds/{cloud['id']}/submit", {"words": words}
        )
    await expect(screen.locator('#stage .word[data-word="高效"]')).to_have_attribute(
        "data-count", "3"
    )
    await shoot(screen, "screenshot-engage-wordcloud-screen.png")
    await shoot(phones["lisi"], "screenshot-engage-wordcloud-phone.png", full_page=True)

    questions = [
        {
            "text": "本季度新增了几个城市？",
            "options": ["3", "5", "8"],
            "correct": [1],
            "seconds": 60,
        },
        {
            "text": "哪些是我们的产品？",
            "options": ["hub", "企业微信", "直播间镜像"],
            "correct": [0, 2],
            "seconds": 60,
        },
    ]
    quiz = await call(
        org,
        "POST",
        f"/api/meetings/{number}/quizzes",
        {"title": "季度知识问答", "questions": questions},
    )
    await call(org, "POST", f"/api/quizzes/{quiz['id']}/next", {})
    await expect(phones["lisi"].locator(".quiz-card .timer-countdown")).to_be_visible()
    await shoot(phones["lisi"], "screenshot-engage-quiz-phone.png", full_page=True)
    for i, userid in enumerate(WORDS):
        await call(
            phones[userid],
            "POST",
            f"/api/quizzes/{quiz['id']}/answer",
            {"question": 0, "options": [1 if i % 3 else 0]},
        )
    await call(org, "POST", f"/api/quizzes/{quiz['id']}/reveal", {})
    await expect(screen.locator("#stage .quiz-card ol.top li")).to_have_count(len(WORDS))
    await shoot(screen, "screenshot-engage-quiz-screen.png")
    await call(org, "POST", f"/api/quizzes/{quiz['id']}/close", {})
    await expect(screen.locator("#stage .quiz-card ol.podium li").first).to_be_visible()
    await shoot(screen, "screenshot-engage-quiz-podium.png")

    checkin = await call(
        org, "POST", f"/api/meetings/{number}/checkins", {"title": "下午场签到", "duration_s": 600}
    )
    code = screen.locator("#stage .checkin-code .code")
    await expect(code).to_have_text(re.compile(r"^\d{6}$"))
    for userid in ("lisi", "wangwu"):
        await call(
            phones[userid],
            "POST",
            f"/api/checkins/{checkin['id']}/checkin",
            {"code": await code.inner_text()},
        )
    await expect(screen.locator("#stage .checkin-card .roster li")).to_have_count(2)
    await shoot(screen, "screenshot-engage-checkin-screen.png")
    await phones["chenjing"].locator(".checkin-card input").fill("")
    await shoot(phones["chenjing"], "screenshot-engage-checkin-phone.png", full_page=True)
    await reactions_scene(org, screen, phones, number)


# The pages do not mount reactions and 弹幕 yet (see static/js/engage.js): mount them here as
# meeting.js and screen.js would, each with a socket of its own.
MOUNT = """async ([number, screen]) => {
  const { mountEngage } = await import('/static/js/engage.js');
  const box = document.createElement('div');
  Object.assign(box.style, {position: 'fixed', inset: '0', zIndex: '50'});
  box.style.pointerEvents = screen ? 'none' : 'auto';
  document.body.append(box);
  const ws = new WebSocket(`ws://${location.host}/ws/meetings/${number}`);
  await new Promise((ok) => ws.addEventListener('open', ok, {once: true}));
  const send = (frame) => ws.send(JSON.stringify(frame));
  const engage = mountEngage(screen ? {number, over: box} : {number, send, bar: box});
  ws.addEventListener('message', (event) => engage.onFrame(JSON.parse(event.data)));
  window.engageShot = { send };
}"""
LINES = ["这个季度太棒了！", "为团队点赞 👍", "下季度继续冲", "AI 助手真好用", "签到成功～"]


async def reactions_scene(org: Page, screen: Page, phones: dict[str, Page], number: str) -> None:
    """Reactions floating and 弹幕 crossing the screen while people tap and chat."""
    await call(org, "PUT", f"/api/meetings/{number}/danmaku", {"on": True})
    await screen.evaluate(MOUNT, [number, True])
    for page in phones.values():
        await page.evaluate(MOUNT, [number, False])
    for round_ in range(3):
        for i, page in enumerate(phones.values()):
            emoji = ["👍", "❤️", "🎉", "👏"][(i + round_) % 4]
            await page.evaluate("e => window.engageShot.send({type: 'reaction', emoji: e})", emoji)
    for i, page in enumerate(phones.values()):
        await page.evaluate("t => window.engageShot.send({type: 'chat', text: t})", LINES[i])
    await screen.wait_for_timeout(1200)
    await screen.screenshot(path=str(DOCS / "screenshot-engage-danmaku-screen.png"))
    print("saved", DOCS / "screenshot-engage-danmaku-screen.png")


async def main() -> None:
    """Start a demo hub, take the screenshots, stop."""
    async with demo_hub(live_sync_enabled=False) as (base, _), chromium() as browser:
        await engage_scene(browser, base)


if __name__ == "__main__":
    asyncio.run(main())
