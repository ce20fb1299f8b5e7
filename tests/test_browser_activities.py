"""Activities in real Chromium: poll bars that move, a red packet grabbed, a lottery drawn."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.fixtures_browser import (
    StartHub,
    create_meeting,
    join_by_number,
    new_page,
    page_errors,
    sign_in,
)

pytestmark = pytest.mark.browser


async def open_tool(page: Page, kind: str) -> None:
    """Unfold the organizer's create form of one activity kind."""
    form = page.locator(f'form[data-create="{kind}"]')
    if not await form.is_visible():
        await form.locator("xpath=..").locator("summary").click()
    await expect(form).to_be_visible()


async def meeting_of_two(browser: Browser, hub_start: StartHub) -> tuple[Page, Page]:
    """张三 organizes a meeting, 李四 joins it by number; both rooms are connected."""
    hub = await hub_start()
    _, org = await new_page(browser)
    _, guest = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "互动测试")
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)
    await expect(org.locator("#online li", has_text="李四")).to_be_visible()
    return org, guest


async def test_poll_bars_move_without_reload(browser: Browser, start_hub: StartHub) -> None:
    org, guest = await meeting_of_two(browser, start_hub)
    await open_tool(org, "poll")
    form = org.locator('form[data-create="poll"]')
    await form.locator('input[name="question"]').fill("午饭吃什么？")
    await form.locator('textarea[name="options"]').fill("饺子\n面条\n米饭")
    await form.locator("button[type=submit]").click()

    org_poll = org.locator(".poll-card", has_text="午饭吃什么？")
    guest_poll = guest.locator(".poll-card", has_text="午饭吃什么？")
    await expect(org_poll).to_be_visible()
    await expect(guest_poll).to_be_visible()
    noodles = org_poll.locator(".option", has_text="面条")
    await expect(noodles.locator(".votes")).to_have_text(re.compile(r"^0\b"))
    url_before = org.url

    await guest_poll.locator(".option", has_text="面条").locator("input").check()
    await guest_poll.locator("button.vote").click()
    await expect(guest_poll.locator(".option.mine", has_text="面条")).to_be_visible()

    # The organizer's page, untouched, shows the vote and a bar that grew to the full width.
    await expect(noodles.locator(".votes")).to_have_text(re.compile(r"^1\b"))
    bar = noodles.locator(".bar > span")
    await expect(bar).to_have_attribute("style", re.compile(r"width: 100%"))
    await expect(org_poll.locator(".option", has_text="饺子").locator(".votes")).to_have_text(
        re.compile(r"^0\b")
    )
    assert org.url == url_before

    await org_poll.locator("button.close").click()
    await expect(guest_poll).to_have_attribute("data-status", "closed")
    assert page_errors(org) == [] and page_errors(guest) == []


async def test_red_packet_is_grabbed(browser: Browser, start_hub: StartHub) -> None:
    org, guest = await meeting_of_two(browser, start_hub)
    await open_tool(org, "redpacket")
    form = org.locator('form[data-create="redpacket"]')
    await form.locator('input[name="total"]').fill("8.88")
    await form.locator('input[name="count"]').fill("2")
    await form.locator("button[type=submit]").click()

    guest_packet = guest.locator(".redpacket-card")
    await expect(guest_packet).to_be_visible()
    await guest_packet.locator("button.grab").click()
    await expect(guest_packet.locator(".got")).to_have_text(re.compile(r"¥\d+\.\d\d"))
    got = await guest_packet.locator(".got").inner_text()
    amount = re.search(r"¥(\d+\.\d\d)", got)
    assert amount is not None
    # Everyone sees who got what.
    claim = org.locator(".redpacket-card .claims li", has_text="李四")
    await expect(claim.locator(".cents")).to_have_text(f"¥{amount.group(1)}")
    await expect(guest_packet.locator("button.grab")).to_have_count(0)


async def test_lottery_shows_the_same_winner_to_everyone(
    browser: Browser, start_hub: StartHub
) -> None:
    org, guest = await meeting_of_two(browser, start_hub)
    await open_tool(org, "lottery")
    form = org.locator('form[data-create="lottery"]')
    await form.locator('input[name="title"]').fill("一等奖")
    await form.locator('input[name="winners"]').fill("1")
    await form.locator("button[type=submit]").click()

    await expect(guest.locator(".lottery-card .waiting")).to_be_visible()
    # The projector view, open on the organizer's laptop, reveals the draw too.
    screen = await org.context.new_page()
    await screen.goto(org.url + "/screen")
    await expect(screen.locator("#stage .lottery-card .waiting")).to_be_visible()
    await org.locator(".lottery-card button.draw").click()
    org_winner = org.locator(".lottery-card .winner")
    guest_winner = guest.locator(".lottery-card .winner")
    await expect(org_winner).to_have_count(1)
    await expect(guest_winner).to_have_count(1)
    assert await org_winner.inner_text() == await guest_winner.inner_text()
    winner_id = await org_winner.get_attribute("data-user-id")
    assert winner_id == await guest_winner.get_attribute("data-user-id")
    await expect(screen.locator(f'#stage .winner[data-user-id="{winner_id}"]')).to_be_visible()

    # The organizer's export links download CSV.
    href = await org.locator("#export-card a", has_text="抽奖").get_attribute("href")
    assert href is not None
    export = await org.context.request.get(
        await org.evaluate("h => new URL(h, location).href", href)
    )
    assert export.status == 200 and "text/csv" in export.headers["content-type"]
    assert "一等奖" in await export.text()


async def test_rating_shows_average_and_distribution(browser: Browser, start_hub: StartHub) -> None:
    org, guest = await meeting_of_two(browser, start_hub)
    await open_tool(org, "rating")
    form = org.locator('form[data-create="rating"]')
    await form.locator('input[name="subject"]').fill("今天的分享")
    await form.locator("button[type=submit]").click()
    await guest.locator(".rating-card .star", has_text="4").click()
    await org.locator(".rating-card .star", has_text="2").click()
    for page in (org, guest):
        await expect(page.locator(".rating-card .average")).to_have_text("3.0")
    await expect(guest.locator(".rating-card .star.on")).to_have_text("4")


async def test_an_unused_rating_is_deleted_from_the_organizer_page(
    browser: Browser, start_hub: StartHub
) -> None:
    org, guest = await meeting_of_two(browser, start_hub)
    for subject in ("上午的分享", "下午的分享"):
        await open_tool(org, "rating")
        form = org.locator('form[data-create="rating"]')
        await form.locator('input[name="subject"]').fill(subject)
        await form.locator("button[type=submit]").click()
        await expect(form).to_be_hidden()  # folded once created
        await expect(guest.locator(".rating-card", has_text=subject)).to_be_visible()
    morning = org.locator(".rating-card", has_text="上午的分享")
    afternoon = org.locator(".rating-card", has_text="下午的分享")
    # The projector presents the newest one (auto-present).
    screen = await org.context.new_page()
    await screen.goto(org.url + "/screen")
    await expect(screen.locator("#stage .rating-card")).to_contain_text("下午的分享")

    # Someone scored the morning: it stays in the record, so it has no delete button.
    await (
        guest.locator(".rating-card", has_text="上午的分享").locator(".star", has_text="4").click()
    )
    await expect(morning.locator(".average")).to_have_text("4.0")
    await expect(morning.locator("button.delete-activity")).to_have_count(0)
    # Attendees never see one.
    await expect(guest.locator("button.delete-activity")).to_have_count(0)

    # Two clicks, no confirm() dialog: the afternoon's card leaves every page at once.
    delete = afternoon.locator("button.delete-activity")
    await delete.click()
    await expect(delete).to_have_text("确认删除？")
    await delete.click()
    await expect(afternoon).to_have_count(0)
    await expect(guest.locator(".rating-card", has_text="下午的分享")).to_have_count(0)
    await expect(org.locator("#toasts")).to_contain_text("已删除")
    await expect(guest.locator(".rating-card", has_text="上午的分享")).to_be_visible()
    # The screen was presenting it: its card leaves the wall too.
    await expect(screen.locator("#stage .rating-card")).to_have_count(0)
    # Gone for good: a reload does not bring it back.
    await org.reload()
    await expect(morning).to_be_visible()
    await expect(afternoon).to_have_count(0)
    assert page_errors(org) == [] and page_errors(guest) == [] and page_errors(screen) == []
