"""A meeting in real Chromium: sign in, create, join by number, chat both ways, escaping, resume."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.fixtures_browser import (
    StartHub,
    create_meeting,
    join_by_number,
    new_page,
    page_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=window.__xss=1>"


async def say(page: Page, text: str) -> None:
    """Type a chat message and send it."""
    await page.fill("#chat-input", text)
    await page.press("#chat-input", "Enter")


def bubbles(page: Page, text: str) -> Locator:
    return page.locator("#messages .msg .bubble", has_text=text)


async def test_two_people_meet_and_chat(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    _, guest = await new_page(browser)

    await sign_in(org, hub, "zhangsan")
    # Pages speak Chinese by default.
    await expect(org.locator("#create-button")).to_have_text("创建")
    number = await create_meeting(org, "周会")
    await expect(org.locator("#end-meeting")).to_be_visible()

    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)
    await expect(guest.locator("#meeting-title")).to_have_text("周会")
    # Attendees are not organizers: no controls for them.
    await expect(guest.locator("#organizer-tools")).to_be_hidden()
    await expect(guest.locator("#end-meeting")).to_be_hidden()

    # Both appear in each other's online list.
    await expect(org.locator("#online li", has_text="李四")).to_be_visible()
    await expect(guest.locator("#online li", has_text="张三")).to_be_visible()

    await say(org, "大家好，我是张三")
    await expect(
        guest.locator(".msg:not(.mine) .bubble", has_text="大家好，我是张三")
    ).to_be_visible()
    await expect(org.locator(".msg.mine .bubble", has_text="大家好，我是张三")).to_be_visible()
    await say(guest, "hello from lisi")
    await expect(org.locator(".msg:not(.mine) .bubble", has_text="hello from lisi")).to_be_visible()
    await expect(guest.locator(".msg.mine .bubble", has_text="hello from lisi")).to_be_visible()

    # Script in a chat message is shown as text and never runs, on either side.
    await say(guest, XSS)
    for page in (org, guest):
        await expect(page.locator("#messages .bubble", has_text=XSS)).to_have_text(XSS)
        assert await page.evaluate("typeof window.__xss") == "undefined"
        assert await page.locator("#messages img[src='x']").count() == 0

    # A reload shows the history, in order, exactly once.
    await guest.reload()
    await expect(guest.locator("#conn.open")).to_be_visible()
    texts = await guest.locator("#messages .bubble").all_inner_texts()
    assert texts == ["大家好，我是张三", "hello from lisi", XSS]

    # Ending takes two clicks (no confirm dialog); both rooms close their chat.
    await org.click("#end-meeting")
    await org.click("#end-meeting")
    for page in (org, guest):
        await expect(page.locator("#ended-banner")).to_be_visible()
        await expect(page.locator("#chat-input")).to_be_disabled()

    assert page_errors(org) == [] and page_errors(guest) == []


async def test_chat_resumes_after_a_dropped_connection(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    _, guest = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "断线重连")
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)

    await say(org, "before the drop")
    await expect(bubbles(guest, "before the drop")).to_have_count(1)
    # The guest's connection drops; messages sent meanwhile arrive after the reconnect.
    await guest.evaluate("window.hubMeeting.drop()")
    for i in range(5):
        await say(org, f"while away {i}")
    await expect(guest.locator("#conn.open")).to_be_visible()
    for i in range(5):
        await expect(bubbles(guest, f"while away {i}")).to_have_count(1)
    texts = await guest.locator("#messages .bubble").all_inner_texts()
    assert texts == ["before the drop", *[f"while away {i}" for i in range(5)]]
    # And the guest can talk again.
    await say(guest, "back again")
    await expect(bubbles(org, "back again")).to_have_count(1)


async def test_unknown_meeting_number_is_explained_in_the_page(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, page = await new_page(browser)
    await sign_in(page, hub, "wangwu")
    await page.fill("#join-number", "12")
    await page.click("#join-button")
    await expect(page.locator(".toast.error")).to_have_text(re.compile("5 位数字"))
    await page.fill("#join-number", "99999")
    await page.click("#join-button")
    await expect(page.locator("#meeting-error")).to_contain_text("没有这个会议号的会议")
    assert page_errors(page) == []


async def test_meeting_room_fits_a_phone_screen(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub()
    _, page = await new_page(browser, viewport={"width": 390, "height": 844})
    await sign_in(page, hub, "zhaoliu")
    await create_meeting(page, "手机上的会议")
    await say(page, "x" * 300)
    await expect(page.locator(".msg.mine")).to_have_count(1)
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    await expect(page.locator("#qr")).to_be_visible()
