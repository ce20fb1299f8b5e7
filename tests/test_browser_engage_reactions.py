"""Reactions and 弹幕 in real Chromium through static/js/engage.js (mounted here as meeting.js and
screen.js would): taps on a phone float on the screen with their totals, and 弹幕 cross the screen
while on and vanish at once when the organizer turns them off."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.fixtures_browser import (
    StartHub,
    page_errors,
    room_with_screen,
)

pytestmark = pytest.mark.browser

# Mount engage.js on a page with a socket of its own, as a page's room would feed it.
MOUNT = """async ([number, screen]) => {
  const { mountEngage } = await import('/static/js/engage.js');
  const box = document.createElement('div');
  box.id = 'engage-test';
  Object.assign(box.style, {position: 'fixed', inset: '0', zIndex: '50'});
  box.style.pointerEvents = screen ? 'none' : 'auto';
  const tally = document.createElement('div');
  tally.id = 'engage-tally';
  document.body.append(box, tally);
  const ws = new WebSocket(`ws://${location.host}/ws/meetings/${number}`);
  await new Promise((ok) => ws.addEventListener('open', ok, {once: true}));
  const send = (frame) => ws.send(JSON.stringify(frame));
  const engage = mountEngage(screen ? {number, over: box, tally} : {number, send, bar: box});
  ws.addEventListener('message', (event) => engage.onFrame(JSON.parse(event.data)));
  window.engageTest = { engage, send };
}"""
# The organizer's 弹幕 switch, from their page (same origin, their cookie).
SWITCH = """([number, on]) => fetch(`/api/meetings/${number}/danmaku`, {method: 'PUT',
  headers: {'Content-Type': 'application/json'}, body: JSON.stringify({on})}).then(r => r.status)"""


async def mount(page: Page, number: str, *, screen: bool) -> None:
    """engage.js on `page`: the screen's overlay, or the phone's reaction bar."""
    await page.evaluate(MOUNT, [number, screen])


async def test_reactions_float_and_danmaku_switch_at_once(
    browser: Browser, start_hub: StartHub
) -> None:
    org, phone, screen, number = await room_with_screen(browser, start_hub, "弹幕测试")
    await mount(screen, number, screen=True)
    await mount(phone, number, screen=False)

    for _ in range(3):
        await phone.locator("#engage-test button.reaction", has_text="👍").click()
    await phone.locator("#engage-test button.reaction", has_text="🎉").click()
    await expect(screen.locator("#engage-test .floating-reaction").first).to_be_attached()
    await expect(screen.locator('#engage-tally .tally[data-emoji="👍"]')).to_have_text("👍 3")
    await expect(screen.locator('#engage-tally .tally[data-emoji="🎉"]')).to_have_text("🎉 1")

    assert await org.evaluate(SWITCH, [number, True]) == 200
    await expect(screen.locator("#engage-test")).to_have_attribute("data-danmaku", "on")
    for text in ("第一条弹幕", "第二条弹幕", "第三条弹幕"):
        await phone.evaluate("t => window.engageTest.send({type: 'chat', text: t})", text)
    items = screen.locator("#engage-test .danmaku-item")
    await expect(items).to_have_count(3)
    # Three at once take three lanes: none overlaps another.
    lanes = await items.evaluate_all("nodes => nodes.map(n => n.dataset.lane)")
    assert sorted(lanes) == ["0", "1", "2"]
    await expect(items.first).to_contain_text(re.compile("弹幕"))

    assert await org.evaluate(SWITCH, [number, False]) == 200
    await expect(items).to_have_count(0)
    await phone.evaluate("() => window.engageTest.send({type: 'chat', text: '关掉之后'})")
    await expect(screen.locator("#wall, #messages").first).to_contain_text("关掉之后")
    await expect(items).to_have_count(0)
    assert page_errors(screen) == [] and page_errors(phone) == []
