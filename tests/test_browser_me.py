"""My meetings at /me in real Chromium: the ones I organize or joined, newest first, with role,
status, date (with its zone) and a link to the record; anonymous visitors sign in first."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.fixtures_browser import StartHub, create_meeting, join_by_number, new_page, sign_in

pytestmark = pytest.mark.browser


async def test_my_meetings_lists_what_i_organize_and_joined(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, guest = await new_page(browser, viewport={"width": 390, "height": 844})
    await guest.goto(f"{hub.url}/me")
    await guest.wait_for_url(re.compile(r".*/login\?next=/me$"))

    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    first = await create_meeting(org, "周一例会")
    await org.click("#end-meeting")
    await org.click("#end-meeting")
    await expect(org.locator("#ended-banner")).to_be_visible()
    await org.goto(hub.url + "/")
    second = await create_meeting(org, "周二评审")

    await sign_in(guest, hub, "lisi", "/")
    await join_by_number(guest, second)

    await org.click("#profile summary")
    await org.click("#nav-me")
    await org.wait_for_url(re.compile(r".*/me$"))
    rows = org.locator("#my-meetings li[data-number]")
    await expect(rows).to_have_count(2)
    # Newest first; the ended one says so.
    await expect(rows.nth(0)).to_have_attribute("data-number", second)
    await expect(rows.nth(0)).to_contain_text("进行中")
    await expect(rows.nth(1)).to_have_attribute("data-number", first)
    await expect(rows.nth(1)).to_contain_text("已结束")
    await expect(rows.nth(1)).to_contain_text("主持")
    await expect(rows.nth(1).locator("time")).to_contain_text("北京时间")

    await guest.goto(f"{hub.url}/me")
    row = guest.locator("#my-meetings li[data-number]")
    await expect(row).to_have_count(1)
    await expect(row).to_have_attribute("data-role", "attendee")
    await row.locator("a").click()
    await guest.wait_for_url(re.compile(rf".*/m/{second}$"))
