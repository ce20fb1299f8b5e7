"""Reactions and 弹幕 on the real pages: a phone taps an emoji under the chat and it floats
over the organizer's screen; the organizer's switch turns 弹幕 on, and chat crosses the screen."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.fixtures_browser import StartHub, room_with_screen

pytestmark = pytest.mark.browser


async def test_a_phones_reaction_floats_on_the_screen_and_danmaku_follows_the_switch(
    browser: Browser, start_hub: StartHub
) -> None:
    org, phone, screen, _ = await room_with_screen(browser, start_hub, "互动")
    await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")

    await phone.locator("#reactions button.reaction", has_text="👍").click()
    await expect(screen.locator("#overlay .floating-reaction").first).to_be_attached()

    toggle = org.locator("#danmaku-toggle")
    await expect(toggle).not_to_be_checked()
    await toggle.check()
    await phone.locator("#chat-input").fill("飞过大屏")
    await phone.locator("#chat-send").click()
    await expect(screen.locator("#overlay .danmaku-item", has_text="飞过大屏")).to_be_attached()
    # Off at once, for every page: the organizer's own switch follows the frame.
    await toggle.uncheck()
    await expect(screen.locator("#overlay .danmaku-item")).to_have_count(0)
    await org.reload()
    await expect(org.locator("#danmaku-toggle")).not_to_be_checked()


async def test_a_timed_poll_counts_down_on_phones_and_the_screen(
    browser: Browser, start_hub: StartHub
) -> None:
    org, phone, screen, number = await room_with_screen(browser, start_hub, "限时")
    body = {"question": "午饭?", "options": ["面", "饭"], "duration_s": 120}
    status = await org.evaluate(
        """([n, b]) => fetch(`/api/meetings/${n}/polls`, {method: 'POST',
             headers: {'Content-Type': 'application/json'}, body: JSON.stringify(b)})
             .then((r) => r.status)""",
        [number, body],
    )
    assert status == 201
    for page in (phone, screen):
        timer = page.locator(".poll-card .timer-countdown").first
        await expect(timer).to_be_visible()
        left = int(await timer.get_attribute("data-left") or "0")
        assert 0 < left <= 120
