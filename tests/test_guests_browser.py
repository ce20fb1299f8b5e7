"""The login page in Chromium (issue 21): WeChat sign-in starts at once in WeChat's browser, and a
visitor joins an open meeting with a nickname."""

from __future__ import annotations

import re
import time

from playwright.async_api import Browser, Page, expect

from hub.keys import DB
from hub.storage.meeting_settings import store_settings
from hub.storage.meetings import create_meeting, join_meeting
from hub.storage.users import upsert_login
from tests.fixtures_browser import TIMEOUT_MS, StartHub, page_errors

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560 NetType/WIFI Language/zh_CN"
)
WECOM_UA = WECHAT_UA + " wxwork/4.1.20 ColorScheme/Light"


async def page_as(browser: Browser, user_agent: str) -> Page:
    """A fresh page (own cookies) whose browser says it is `user_agent`."""
    context = await browser.new_context(locale="zh-CN", user_agent=user_agent)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    setattr(page, "_hub_errors", errors)  # noqa: B010 - read by page_errors()
    return page


async def test_the_wechat_browser_signs_in_through_the_official_account_at_once(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    page = await page_as(browser, WECHAT_UA)
    await page.goto(f"{hub.url}/login?next=/")
    # No click: the page went to WeChat's consent page by itself.
    await page.wait_for_url(re.compile(r".*/connect/oauth2/authorize.*scope=snsapi_userinfo.*"))
    await page.click('a[href*="person=xiaoming"]')
    await page.wait_for_url(re.compile(re.escape(hub.url) + r"/$"))
    await expect(page.locator("#logout")).to_be_visible()
    assert page_errors(page) == []


async def test_other_browsers_get_a_button_and_wecom_keeps_its_own(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    page = await page_as(browser, "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0")
    await page.goto(f"{hub.url}/login?next=/")
    await expect(page.locator("#wechat-login")).to_be_visible()
    assert await page.locator("#wechat-login").get_attribute("href") == (
        "/auth/wechat/login?next=%2F"
    )
    assert page.url.startswith(hub.url)  # nothing started by itself
    assert page_errors(page) == []
    # WeCom's browser also says MicroMessenger: it starts WeCom's sign-in, not the 公众号's.
    wecom = await page_as(browser, WECOM_UA)
    await wecom.goto(f"{hub.url}/login?next=/")
    await wecom.wait_for_url(re.compile(r".*/connect/oauth2/authorize.*"))
    assert "scope=snsapi_privateinfo" in wecom.url and "snsapi_userinfo" not in wecom.url


async def test_without_the_official_account_the_wechat_browser_is_told(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub(wechat_oa_appid=None, wechat_oa_secret=None)
    page = await page_as(browser, WECHAT_UA)
    await page.goto(f"{hub.url}/login?next=/")
    await expect(page.locator("#wechat-off")).to_be_visible()
    await expect(page.locator("#wechat-login")).to_be_hidden()
    assert page.url.startswith(hub.url)


async def test_a_visitor_joins_an_open_meeting_with_a_nickname(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    db, now = hub.app[DB], time.time()
    owner = await upsert_login(db, "zhangsan", None, now)
    async with db.transaction() as tx:
        open_one = await create_meeting(tx, 24680, "开放日", owner.id, now)
        members_only = await create_meeting(tx, 13579, "内部会", owner.id, now)
    await store_settings(db, open_one.id, {"guests": "anyone"}, now)
    await join_meeting(db, open_one.id, owner.id, now)
    await join_meeting(db, members_only.id, owner.id, now)
    page = await page_as(browser, "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0")
    # A members-only meeting says so, in the page's language.
    await page.goto(f"{hub.url}/m/13579")
    await page.wait_for_url(re.compile(r".*/login\?next=.*"))
    await page.fill("#guest-nickname", "路人甲")
    await page.click("#guest-join")
    await expect(page.locator("#guest-error")).to_have_text("本会议不接待访客。")
    # An open one seats the visitor, who lands in the meeting signed in as a guest.
    await page.goto(f"{hub.url}/m/24680")
    await page.fill("#guest-nickname", "路人甲")
    await page.click("#guest-join")
    await page.wait_for_url(re.compile(re.escape(hub.url) + r"/m/24680$"))
    await expect(page.locator("#meeting-title")).to_have_text("开放日")
    assert page_errors(page) == []
