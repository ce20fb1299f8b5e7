"""The meeting page on a phone, in real Chromium: nobody misses a new activity, activities form one
list, long words wrap at 360 px, a refused message can be resent, drafts survive a refresh, and the
chat says it is loading until it knows."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Browser, Page, Request, Route, expect

from tests.fixtures_browser import (
    StartHub,
    create_meeting,
    join_by_number,
    new_page,
    page_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LONG_URL = "https://example.com/" + "a-very-long-path-segment" * 3


async def create(org: Page, kind: str, **fields: str) -> None:
    """The organizer fills a create form and sends it."""
    await org.click(f"details.tool:has(form[data-create={kind}]) summary")
    form = org.locator(f"form[data-create={kind}]")
    for name, value in fields.items():
        await form.locator(f"[name={name}]").fill(value)
    await form.locator("button[type=submit]").click()


async def test_a_new_activity_reaches_a_phone_and_lists_by_creation_time(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "手机")
    phone_ctx, phone = await new_page(browser, viewport=PHONE)
    # Count vibrations instead of buzzing: Chromium headless has no motor.
    await phone_ctx.add_init_script(
        "window.__buzz = 0; navigator.vibrate = () => { window.__buzz += 1; return true; };"
    )
    await sign_in(phone, hub, "lisi")
    await join_by_number(phone, number)
    await expect(phone.locator("#no-activities")).to_have_text("暂无互动。")

    await create(org, "poll", question="午饭吃什么？", options=f"面\n{LONG_URL}")
    card = phone.locator('[data-activity="poll:1"]')
    await expect(card).to_have_attribute("data-status", "open")
    await expect(phone.locator(".toast", has_text="午饭吃什么？")).to_be_visible()
    await expect(phone.locator("#announcer")).to_contain_text("午饭吃什么？")
    await expect(card).to_be_in_viewport()
    assert await phone.evaluate("window.__buzz") == 1
    await expect(phone).to_have_title(re.compile(r"^\(1\) 手机"))
    await phone.locator("#chat-input").click()  # the viewer looked: the badge goes
    await expect(phone).to_have_title(re.compile(r"^手机"))

    # The long URL wraps: nothing is wider than the phone.
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    # A red packet created later lists above the older poll (ids are per kind: both are 1).
    await create(org, "redpacket", total="8.88", count="2")
    await expect(phone.locator('[data-activity="redpacket:1"]')).to_be_visible()
    # Waited for, not read once: the card appears a moment before the list settles its order.
    cards = phone.locator("#activities [data-activity]")
    await expect(cards.nth(0)).to_have_attribute("data-activity", "redpacket:1")
    await expect(cards.nth(1)).to_have_attribute("data-activity", "poll:1")
    await expect(cards).to_have_count(2)
    # Closed ones go below the open ones.
    await org.locator('[data-activity="poll:1"] button.close').click()
    await create(org, "rating", subject="讲得怎么样？")
    await expect(phone.locator('[data-activity="poll:1"]')).to_have_attribute(
        "data-status", "closed"
    )
    await expect(phone.locator("#activities [data-activity]")).to_have_count(3)
    order = await phone.locator("#activities [data-activity]").evaluate_all(
        "cards => cards.map(c => c.dataset.activity)"
    )
    assert order == ["rating:1", "redpacket:1", "poll:1"]
    assert await phone.evaluate("window.__buzz") == 3
    assert not page_errors(phone)


async def test_voting_keeps_focus_on_the_card(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "键盘")
    _, guest = await new_page(browser, viewport=PHONE)
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)
    await create(org, "poll", question="选一个", options="甲\n乙")
    card = guest.locator('[data-activity="poll:1"]')
    await card.locator("input[type=radio]").first.focus()
    await guest.keyboard.press("Space")
    await card.locator("button.vote").focus()
    await guest.keyboard.press("Enter")
    await expect(card.locator(".tag")).to_be_visible()
    # Focus is on the rebuilt card, not on <body>.
    await expect(guest.locator('[data-activity="poll:1"]')).to_be_focused()


async def test_a_refused_message_can_be_resent_with_its_text(
    browser: Browser, start_hub: StartHub
) -> None:
    # Two messages per minute: the third is refused as too fast.
    hub = await start_hub(chats_per_user=2, chat_window=60.0)
    _, org = await new_page(browser, viewport=PHONE)
    await sign_in(org, hub, "zhangsan")
    await create_meeting(org, "太快")
    for text in ("一", "二", "三"):
        await org.fill("#chat-input", text)
        await org.press("#chat-input", "Enter")
    failed = org.locator(".msg.failed", has_text="三")
    await expect(failed).to_be_visible()
    await expect(org.locator(".toast.error")).to_contain_text("发送太快了")
    # No raw server English in the Chinese page.
    assert "too many" not in await org.locator("#toasts").inner_text()
    await expect(failed.locator("button.retry")).to_have_text("重发")
    await failed.locator("button.retry").click()
    # Still over budget: refused again, and still there to resend.
    await expect(org.locator(".msg.failed", has_text="三")).to_be_visible()
    assert await org.locator(".msg .bubble", has_text="三").count() == 1


async def test_drafts_survive_a_refresh_and_history_says_loading(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, org = await new_page(browser, viewport=PHONE)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "草稿")
    await org.fill("#chat-input", "写了一半的话")
    await org.click("details.tool:has(form[data-create=poll]) summary")
    await org.locator("form[data-create=poll] [name=question]").fill("还没想好的问题")

    # Hold the history back: until it arrives, the chat says it is loading, not "no messages".
    release = asyncio.Event()

    async def slow(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await org.route(re.compile(r".*/messages\?.*"), slow)
    await org.reload()
    await expect(org.locator("#no-messages")).to_have_text("正在加载消息…")
    release.set()
    await expect(org.locator("#no-messages")).to_have_text("还没有消息，打个招呼吧！")
    await expect(org.locator("#conn.open")).to_be_visible()
    await expect(org.locator("#chat-input")).to_have_value("写了一半的话")
    question = org.locator("form[data-create=poll] [name=question]")
    await expect(question).to_have_value("还没想好的问题")

    # Sent, the drafts are forgotten.
    await org.press("#chat-input", "Enter")
    await org.click("details.tool:has(form[data-create=poll]) summary")
    await org.locator("form[data-create=poll] [name=options]").fill("甲\n乙")
    await org.locator("form[data-create=poll] button[type=submit]").click()
    await expect(org.locator('[data-activity="poll:1"]')).to_be_visible()
    # The form forgets its draft once the server answered the create (board.js resets it then);
    # the card can show first, from the socket's frame.
    await expect(question).to_have_value("")
    await org.goto(f"{hub.url}/m/{number}")
    await expect(org.locator("#conn.open")).to_be_visible()
    await expect(org.locator("#chat-input")).to_have_value("")
    await expect(question).to_have_value("")


async def test_inside_wecom_sign_in_starts_at_once(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub()
    context = await browser.new_context(
        locale="zh-CN",
        viewport=PHONE,  # type: ignore[arg-type]
        user_agent="Mozilla/5.0 (Linux; Android 14) Mobile wxwork/4.1.22 MicroMessenger/7.0.1",
    )
    page = await context.new_page()
    await page.goto(f"{hub.url}/login?next=/")
    # No tap: the page went on to WeCom's consent page by itself.
    await page.wait_for_url(re.compile(r".*/connect/oauth2/authorize.*"))
    await context.close()


async def test_a_failed_sign_in_is_a_page_with_a_way_back(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    for locale, title, button in (
        ("zh-CN", "登录没有完成", "重新登录"),
        ("en-US", "Sign-in did not finish", "Sign in again"),
    ):
        _, page = await new_page(browser, locale=locale, viewport=PHONE)
        callbacks: list[str] = []

        def remember(request: Request, seen: list[str] = callbacks) -> None:
            if "/auth/callback" in request.url:
                seen.append(request.url)

        page.on("request", remember)
        await sign_in(page, hub, "lisi")
        # Back after login, as WeCom's browser does it: the used callback again.
        await page.goto(callbacks[0])
        box = page.locator("#auth-error")
        await expect(box.locator("h1")).to_have_text(title)
        assert '"error"' not in await page.content()
        again = page.locator("#sign-in-again")
        await expect(again).to_have_text(button)
        await again.click()
        await page.wait_for_url(re.compile(r".*/connect/oauth2/authorize.*"))


async def test_create_forms_show_their_limits_before_submit(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, org = await new_page(browser, viewport=PHONE)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "限制")
    await org.click("details.tool:has(form[data-create=lottery]) summary")
    winners = org.locator("form[data-create=lottery] [name=winners]")
    # Nobody but the organizer yet: at most one winner can be asked for, and the form says so.
    await expect(winners).to_have_attribute("max", "1")
    await expect(org.locator("#limit-lottery-winners")).to_have_text("可填 1 到 1")
    _, guest = await new_page(browser, viewport=PHONE)
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)
    await expect(winners).to_have_attribute("max", "1")  # lisi alone can win
    _, third = await new_page(browser, viewport=PHONE)
    await sign_in(third, hub, "wangwu")
    await join_by_number(third, number)
    await expect(org.locator("#limit-lottery-winners")).to_have_text("可填 1 到 2")
    await expect(org.locator("#limit-poll-question")).to_have_text("最多 200 个字")
