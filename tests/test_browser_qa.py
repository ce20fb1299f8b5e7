"""Q&A in real Chromium: one phone asks (anonymously), another upvotes, the organizer answers,
and the screen shows the question with its upvotes; the organizer pins an announcement."""

from __future__ import annotations

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


async def test_ask_upvote_and_answer_across_two_phones_and_the_screen(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org_context, org = await new_page(browser)
    _, asker = await new_page(browser, viewport={"width": 390, "height": 844})
    _, voter = await new_page(browser, viewport={"width": 390, "height": 844})
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "问答测试")
    screen = await org_context.new_page()
    await screen.goto(f"{hub.url}/m/{number}/screen")
    await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    for page, who in ((asker, "lisi"), (voter, "wangwu")):
        await sign_in(page, hub, who)
        await join_by_number(page, number)

    # An attendee asks, anonymously, from the form every attendee sees.
    form = asker.locator('#attendee-tools form[data-create="question"]')
    await form.locator('textarea[name="text"]').fill("下个版本什么时候发布？")
    await form.locator('input[name="anonymous"]').check()
    await form.locator("button[type=submit]").click()

    card = '.question-card:has-text("下个版本什么时候发布？")'
    for page in (asker, voter, org):
        await expect(page.locator(card)).to_be_visible()
        await expect(page.locator(card).locator(".question-meta")).to_contain_text("匿名")
        await expect(page.locator(card)).not_to_contain_text("李四")

    # The other phone upvotes: every page and the screen count it.
    await voter.locator(card).locator("button.upvote").click()
    await expect(voter.locator(card).locator("button.upvote.on")).to_be_visible()
    for page in (asker, voter, org):
        await expect(page.locator(card).locator(".upvotes")).to_have_text("1")
    await expect(screen.locator("#stage .question-card h2")).to_have_text("下个版本什么时候发布？")
    await expect(screen.locator(".question-body")).to_contain_text("▲ 1")

    # A newer question without upvotes: most upvoted first, until the phone asks for newest.
    ask = voter.locator('#attendee-tools form[data-create="question"]')
    await ask.locator('textarea[name="text"]').fill("有回放吗？")
    await ask.locator("button[type=submit]").click()
    titles = voter.locator(".question-card h3")
    await expect(titles).to_have_text(["下个版本什么时候发布？", "有回放吗？"])
    await voter.locator('[data-qa-sort="new"]').click()
    await expect(titles).to_have_text(["有回放吗？", "下个版本什么时候发布？"])

    # The organizer answers and highlights it.
    await org.locator(card).locator("button.answer").click()
    for page in (asker, voter):
        await expect(page.locator(card).locator(".tag.answered")).to_be_visible()
    await org.locator(card).locator("button.highlight").click()
    await expect(screen.locator(".question-body.highlighted")).to_be_visible()

    # The organizer pins an announcement: at the top of every phone and across the screen.
    pin = org.locator("#pin-form")
    await pin.locator('input[name="text"]').fill("10:30 合影")
    await pin.locator("button[type=submit]").click()
    for page in (asker, voter, screen):
        await expect(page.locator("#pin-banner")).to_contain_text("10:30 合影")
    await asker.reload()
    await expect(asker.locator("#pin-banner")).to_contain_text("10:30 合影")
    for page in (org, asker, voter, screen):
        assert page_errors(page) == []


PATCH = """([url, body]) => fetch(url, {method: 'PATCH',
  headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
  .then((r) => r.status)"""


async def test_a_question_awaiting_approval_shows_only_to_its_author_and_the_organizer(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    _, asker = await new_page(browser)
    _, other = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "审核测试")
    settings = [f"/api/meetings/{number}/settings", {"qa_moderation": True}]
    assert await org.evaluate(PATCH, settings) == 200
    for page, who in ((asker, "lisi"), (other, "wangwu")):
        await sign_in(page, hub, who)
        await join_by_number(page, number)

    form = asker.locator('#attendee-tools form[data-create="question"]')
    await form.locator('textarea[name="text"]').fill("这个问题要先审核")
    await form.locator("button[type=submit]").click()
    card = '.question-card:has-text("这个问题要先审核")'
    await expect(asker.locator(card).locator(".tag.pending")).to_be_visible()
    await expect(org.locator(card)).to_be_visible()
    await expect(other.locator(".question-card")).to_have_count(0)

    await org.locator(card).locator("button.approve").click()
    await expect(other.locator(card)).to_be_visible()
    await expect(asker.locator(card).locator(".tag.pending")).to_have_count(0)
    for page in (org, asker, other):
        assert page_errors(page) == []


async def test_a_deleted_message_leaves_every_phone_and_the_screen(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org_context, org = await new_page(browser)
    _, guest = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "删除消息")
    screen = await org_context.new_page()
    await screen.goto(f"{hub.url}/m/{number}/screen")
    await expect(screen.locator("#connection")).to_have_attribute("data-state", "online")
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)

    await guest.fill("#chat-input", "加微信领优惠")
    await guest.press("#chat-input", "Enter")
    spam = '.msg:has-text("加微信领优惠")'
    for page in (org, guest, screen):
        await expect(page.locator(spam)).to_have_count(1)
    await org.locator(spam).locator(".mod-tools button").first.click()
    for page in (org, guest, screen):
        await expect(page.locator(spam)).to_have_count(0)
    await guest.reload()
    await expect(guest.locator("#conn.open")).to_be_visible()
    await expect(guest.locator(spam)).to_have_count(0)
    for page in (org, guest, screen):
        assert page_errors(page) == []
