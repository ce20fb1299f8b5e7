"""Word cloud, quiz and check-in in real Chromium, end to end across a phone, the organizer's
page and the screen."""

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


async def open_tool(page: Page, kind: str) -> None:
    """Unfold the organizer's create form of one activity kind."""
    form = page.locator(f'form[data-create="{kind}"]')
    if not await form.is_visible():
        await form.locator("xpath=..").locator("summary").click()
    await expect(form).to_be_visible()


async def test_word_cloud_from_phone_to_screen(browser: Browser, start_hub: StartHub) -> None:
    org, phone, screen, _ = await room_with_screen(browser, start_hub)
    await open_tool(org, "wordcloud")
    form = org.locator('form[data-create="wordcloud"]')
    await form.locator('input[name="prompt"]').fill("用一个词形容今天")
    await form.locator("button[type=submit]").click()

    card = phone.locator(".wordcloud-card")
    await card.locator("input").fill("开心, ＡＩ")
    await card.locator("button.submit").click()
    await expect(card.locator(".mine .tag")).to_have_count(2)
    await expect(org.locator('.wordcloud-card .word[data-word="ai"]')).to_have_attribute(
        "data-count", "1"
    )
    await expect(screen.locator('#stage .word[data-word="开心"]')).to_be_visible()
    words = screen.locator("#stage .word")
    before = await words.evaluate_all("nodes => nodes.map(n => n.dataset.word)")
    # A new word joins the end; the words already there keep their places.
    await card.locator("input").fill("增长")
    await card.locator("button.submit").click()
    await expect(words).to_have_count(len(before) + 1)
    assert await words.evaluate_all("nodes => nodes.map(n => n.dataset.word)") == [*before, "增长"]
    await org.locator(".wordcloud-card button.close").click()
    await expect(phone.locator(".wordcloud-card")).to_have_attribute("data-status", "closed")
    assert page_errors(org) == [] and page_errors(phone) == []


async def test_quiz_question_results_and_podium(browser: Browser, start_hub: StartHub) -> None:
    org, phone, screen, _ = await room_with_screen(browser, start_hub)
    await open_tool(org, "quiz")
    form = org.locator('form[data-create="quiz"]')
    await form.locator('input[name="title"]').fill("热身")
    await form.locator('textarea[name="questions"]').fill("1 + 1 = ?\n1\n*2\n3")
    await form.locator("button[type=submit]").click()
    await expect(phone.locator(".quiz-card")).to_contain_text("等待主持人开始")

    await org.locator(".quiz-card button.next").click()
    card = phone.locator(".quiz-card")
    await expect(card.locator(".timer-countdown")).to_have_text(re.compile(r"\d+"))
    await expect(screen.locator("#stage .quiz-card .timer-countdown")).to_be_visible()
    await card.locator("label.option", has_text="2").locator("input").check()
    await card.locator("button.answer").click()
    await expect(card).to_contain_text("已作答")

    await org.locator(".quiz-card button.reveal").click()
    await expect(screen.locator("#stage .quiz-card .option.correct")).to_contain_text("2")
    await expect(screen.locator("#stage .quiz-card ol.top li")).to_have_count(1)
    await expect(card.locator(".my-score")).to_contain_text("第 1 名")

    await org.locator(".quiz-card button.next").click()  # the last question: the podium
    await expect(screen.locator("#stage .quiz-card ol.podium li", has_text="李四")).to_be_visible()
    await expect(card).to_have_attribute("data-status", "closed")
    assert page_errors(org) == [] and page_errors(phone) == []


async def test_check_in_with_the_code_on_the_screen(browser: Browser, start_hub: StartHub) -> None:
    org, phone, screen, _ = await room_with_screen(browser, start_hub)
    await open_tool(org, "checkin")
    await org.locator('form[data-create="checkin"] button[type=submit]').click()

    code = screen.locator("#stage .checkin-code .code")
    await expect(code).to_have_text(re.compile(r"^\d{6}$"))
    await expect(screen.locator("#stage .checkin-code img")).to_be_visible()
    shown = await code.inner_text()
    card = phone.locator(".checkin-card")
    await card.locator("input").fill(shown)
    await card.locator("button.checkin").click()
    await expect(card.locator(".done")).to_be_visible()
    await expect(screen.locator("#stage .checkin-card .roster li", has_text="李四")).to_be_visible()
    await expect(org.locator(".checkin-card .count")).to_have_text(re.compile(r"1 / 1"))
    assert page_errors(org) == [] and page_errors(phone) == []
