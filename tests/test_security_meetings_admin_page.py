"""F3 in Chromium: the admin page lists live meetings and ends one, freeing its number."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hub.keys import DB
from hub.storage.meetings import meeting_by_number
from tests.fixtures_browser import StartHub, create_meeting, new_page, page_errors, sign_in

pytestmark = pytest.mark.browser


async def test_an_admin_ends_someone_elses_meeting_from_the_admin_page(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub(admin_users=frozenset({"zhangsan"}))
    _, owner = await new_page(browser)
    await sign_in(owner, hub, "lisi")
    number = await create_meeting(owner, "周会")
    _, admin = await new_page(browser)
    await sign_in(admin, hub, "zhangsan", "/admin")
    row = admin.locator(f'#admin-meetings tr[data-number="{number}"]')
    await expect(row).to_contain_text("周会")
    await expect(admin.locator("#meetings-pool")).to_contain_text("1 / 号码池 100000")
    button = row.locator("button")
    await button.click()
    await expect(button).to_have_text(f"确定结束 {number}？")
    await button.click()
    await expect(admin.locator(".toast.ok")).to_contain_text(f"会议 {number} 已结束")
    await expect(row).to_have_count(0)  # the list shows live meetings
    # The owner's open meeting page learns it ended (the ended frame, then 4409).
    await expect(owner.locator("#conn")).not_to_have_class("open")
    ended = await meeting_by_number(hub.app[DB], number)
    assert ended and ended.ended_at is not None
    await admin.select_option("#meetings-status", "ended")
    await expect(admin.locator(f'#admin-meetings tr[data-number="{number}"]')).to_contain_text(
        "已结束"
    )
    assert page_errors(admin) == [] and page_errors(owner) == []
