"""Names on the meeting page, in real Chromium: the chat and the lists show 张三, not `zhangsan`; a
name WeCom withholds makes the page ask once (skippable); the profile menu changes it later."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from tests.fixtures_browser import (
    StartHub,
    create_meeting,
    join_by_number,
    new_page,
    page_errors,
    sign_in,
)

pytestmark = pytest.mark.browser


async def test_the_chat_shows_names_not_userids(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "名字")
    _, guest = await new_page(browser, viewport={"width": 390, "height": 844})
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)
    await org.fill("#chat-input", "大家好")
    await org.press("#chat-input", "Enter")
    who = guest.locator(".msg:not(.mine) .who")
    await expect(who).to_contain_text("张三")
    assert "zhangsan" not in await who.inner_text()
    await expect(guest.locator("#online li", has_text="张三")).to_be_visible()
    await expect(org.locator("#attendees li", has_text="李四")).to_be_visible()
    # WeCom gave a name: no prompt.
    await expect(guest.locator("[data-name-prompt]")).to_have_count(0)


async def test_a_withheld_name_triggers_the_prompt_once(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    async with aiohttp.ClientSession() as http:
        resp = await http.post(f"{hub.sim.url}/_sim/names", json={"withhold": True})
        assert resp.status == 200
    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "无名")
    prompt = org.locator("[data-name-prompt]")
    await expect(prompt).to_be_visible()
    await prompt.locator("input").fill("张老师")
    await prompt.locator("button[type=submit]").click()
    await expect(prompt).to_have_count(0)
    await expect(org.locator("#me-name")).to_have_text("张老师")
    await expect(org.locator("#attendees li", has_text="张老师")).to_be_visible()

    # Another person skips it: asked once, not again after a reload.
    _, guest = await new_page(browser, viewport={"width": 390, "height": 844})
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)
    await expect(guest.locator("[data-name-prompt]")).to_be_visible()
    await guest.click("#name-prompt-skip")
    await expect(guest.locator("[data-name-prompt]")).to_have_count(0)
    await guest.reload()
    await expect(guest.locator("#conn.open")).to_be_visible()
    await expect(guest.locator("[data-name-prompt]")).to_have_count(0)

    # The profile menu renames later; the others' lists read it on their next load.
    await guest.click("#profile summary")
    await guest.fill("#profile-name", "小李")
    await guest.click("#profile-form button[type=submit]")
    await expect(guest.locator("#me-name")).to_have_text("小李")
    await org.reload()
    await expect(org.locator("#attendees li", has_text="小李")).to_be_visible()
    assert not page_errors(org) and not page_errors(guest)
