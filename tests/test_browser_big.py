"""A meeting of 2,000 in real Chromium: the exact online count, the attendee total, search and
pages, and an organizer page under three screen heights with the QR and exports within reach."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from hub.clock import iso_ts
from hub.keys import DB
from hub.realtime.rooms import REALTIME
from hub.storage.attendance import joined_at
from hub.storage.meetings import Meeting, join_meeting, meeting_by_number
from hub.storage.users import set_name, upsert_login
from tests.fixtures_browser import (
    LiveHub,
    StartHub,
    create_meeting,
    join_by_number,
    new_page,
    page_errors,
    sign_in,
)

pytestmark = pytest.mark.browser

CROWD = 1999  # and the organizer: 2,000
SIZES = ({"width": 1280, "height": 800}, {"width": 390, "height": 844})
ROWS_AT_MOST_TWO_LINES = """() => {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const rows = [...document.querySelectorAll("#attendees li")];
  return rows.length > 0 && rows.every((li) => li.getBoundingClientRect().height <= 3 * rem);
}"""
BEIJING = ZoneInfo("Asia/Shanghai")


async def _top(page: Page, selector: str) -> float:
    """Where the element starts, from the top of the page."""
    return float(
        await page.locator(selector).evaluate("e => e.getBoundingClientRect().top + scrollY")
    )


async def test_two_thousand_attendees(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub()
    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "两千人大会")
    db = hub.app[DB]
    meeting = await meeting_by_number(db, number)
    assert meeting is not None
    # The crowd joins in storage and comes online through the hub's own presence (one process
    # here), as their sockets would: the presence frame's list is capped, its count is not.
    now = time.time()
    presence = hub.app[REALTIME].presence
    for i in range(CROWD):
        user = await upsert_login(db, f"p{i:04d}", None, now)
        await join_meeting(db, meeting.id, user.id, now + i / 1000)
        presence.add(meeting.id, user)
    named = await upsert_login(db, "p1234", None, now)
    await set_name(db, named.id, "王小明")
    await presence.flush(meeting.id)

    title = org.locator("#online-title")
    await expect(title).to_have_attribute("data-online-count", "2000")
    await expect(title).to_have_text("在线（2000）")

    for size in SIZES:
        await org.set_viewport_size(size)  # type: ignore[arg-type]
        await org.reload()
        await expect(org.locator("#conn.open")).to_be_visible()
        # A fresh page reads the count from the meeting, then from the frames: still exact.
        await expect(org.locator("[data-online-count]")).to_have_attribute(
            "data-online-count", "2000"
        )
        await expect(org.locator("#attendees-title")).to_have_text("参会者（2000）")
        # Pages of a few dozen, never 2,000 rows.
        rows = await org.locator("#attendees li").count()
        assert 0 < rows <= 50, rows
        height = await org.evaluate("document.documentElement.scrollHeight")
        assert height < 3 * size["height"], (size, height)
        # A row is a line, or two when the join time wraps under the name; never a name standing
        # one character a line beside its time.
        assert await org.evaluate(ROWS_AT_MOST_TWO_LINES), size
        # The QR and the exports sit above the lists, never below 2,000 people; on a laptop the
        # QR is on the first screen.
        lists = await _top(org, ".people-card")
        for selector in ("#qr", "#export-card"):
            assert await _top(org, selector) < lists, (size, selector)
        if size["width"] >= 1100:
            assert await _top(org, "#qr") < size["height"]

    # Search by name finds the one person; the pager walks the rest.
    await org.fill("#attendee-search", "王小明")
    await expect(org.locator("#attendees li")).to_have_count(1)
    await expect(org.locator("#attendees li")).to_contain_text("王小明")
    await org.fill("#attendee-search", "")
    await expect(org.locator("#attendee-pager")).to_be_visible()
    first = await org.locator("#attendees li").first.inner_text()
    await org.locator("#attendee-pager button").last.click()
    await expect(org.locator("#attendee-pager")).to_contain_text("第 2 /")
    assert await org.locator("#attendees li").first.inner_text() != first

    # One leaves: the count follows the server's, exactly.
    presence.remove(meeting.id, named.id)
    await presence.flush(meeting.id)
    await expect(title).to_have_attribute("data-online-count", "1999")
    assert not page_errors(org)


def _beijing_hour(ts: float) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%H:%M")


async def _organizer_on_a_phone(browser: Browser, hub: LiveHub, title: str) -> tuple[Page, Meeting]:
    """张三 on a 390×844 phone, on the page of the meeting `title` they just created."""
    _, org = await new_page(browser, viewport={"width": 390, "height": 844})
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, title)
    meeting = await meeting_by_number(hub.app[DB], number)
    assert meeting is not None
    return org, meeting


async def test_attendee_rows_show_the_join_time_in_beijing_time(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    org, meeting = await _organizer_on_a_phone(browser, hub, "签到时间")
    db = hub.app[DB]
    await expect(org.locator("#attendees-zone")).to_have_text("签到时间为北京时间")

    # Someone joins while the organizer watches: the join frame brings their time.
    _, guest = await new_page(browser)
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, meeting.number)
    lisi = org.locator("#attendees li", has_text="李四")
    await expect(lisi).to_have_count(1)
    user_id = int(await lisi.get_attribute("data-user-id") or 0)
    at = await joined_at(db, meeting.id, user_id)
    assert at is not None
    await expect(lisi.locator("time.joined")).to_have_text(_beijing_hour(at))
    await expect(lisi.locator("time.joined")).to_have_attribute("datetime", iso_ts(at) or "")

    # A join at a known instant: 02:30 UTC is 10:30 in Beijing, after a reload too.
    early = datetime(2025, 3, 1, 2, 30, tzinfo=UTC).timestamp()
    wang = await upsert_login(db, "wangwu", None, early)
    await set_name(db, wang.id, "王五")
    await join_meeting(db, meeting.id, wang.id, early)
    await org.reload()
    row = org.locator("#attendees li", has_text="王五")
    await expect(row.locator("time.joined")).to_have_text("10:30")
    title = await row.locator("time.joined").get_attribute("title")
    assert title is not None and title.startswith("签到 2025/3/1 10:30") and "北京时间" in title
    assert await org.evaluate(ROWS_AT_MOST_TWO_LINES)
    assert not page_errors(org) and not page_errors(guest)


async def test_join_times_follow_hub_timezone_and_name_it(
    browser: Browser, start_hub: StartHub
) -> None:
    """Pages show times in the meetings' zone, as exports do: HUB_TIMEZONE, not always Beijing."""
    hub = await start_hub(timezone="Europe/Berlin")
    org, meeting = await _organizer_on_a_phone(browser, hub, "柏林时间")
    db = hub.app[DB]
    # 02:30 UTC on 1 March is 03:30 in Berlin (CET), 10:30 in Beijing.
    early = datetime(2025, 3, 1, 2, 30, tzinfo=UTC).timestamp()
    wang = await upsert_login(db, "wangwu", None, early)
    await set_name(db, wang.id, "王五")
    await join_meeting(db, meeting.id, wang.id, early)
    await org.reload()
    await expect(org.locator("#attendees-zone")).to_have_text("签到时间为Europe/Berlin")
    row = org.locator("#attendees li", has_text="王五")
    await expect(row.locator("time.joined")).to_have_text("03:30")
    title = await row.locator("time.joined").get_attribute("title")
    assert title is not None and title.startswith("签到 2025/3/1 03:30"), title
    assert "Europe/Berlin" in title and "北京" not in title
    assert not page_errors(org)
