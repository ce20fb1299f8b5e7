"""Joining a meeting that has a passcode (入会密码) from the home page, as 腾讯会议 users do."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.fixtures_browser import StartHub, new_page, sign_in

pytestmark = pytest.mark.browser

CREATE = """([b]) => fetch('/api/meetings', {method: 'POST', headers: {'Content-Type':
  'application/json'}, body: JSON.stringify(b)}).then((r) => r.json())"""


async def test_the_home_page_takes_a_passcode_and_the_meeting_page_joins_with_it(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    meeting = await org.evaluate(CREATE, [{"title": "有密码", "passcode": "2468"}])
    number = meeting["number"]
    _, phone = await new_page(browser)
    await sign_in(phone, hub, "lisi")

    # Without the passcode the meeting looks like a free number (issue 13, F2).
    await phone.goto(hub.url + "/")
    await phone.locator("#join-number").fill(number)
    await phone.locator("#join-button").click()
    await expect(phone.locator("#chat-input")).to_be_disabled()
    joined = await phone.evaluate(f"fetch('/api/meetings/{number}').then((r) => r.status)")
    assert joined == 404

    await phone.goto(hub.url + "/")
    await phone.locator("#join-number").fill(number)
    await phone.locator("#join-passcode").fill("2468")
    await phone.locator("#join-button").click()
    await expect(phone.locator("#meeting-title")).to_have_text("有密码")
    await expect(phone.locator("#chat-input")).to_be_enabled()
