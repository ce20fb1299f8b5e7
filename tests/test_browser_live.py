"""Chromium on the live rooms: a room's replay plays from the simulator; the home page's search,
filter and paging keep the URL in step, and a refresh shows the same view."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, expect

from hub.keys import DB
from hub.live.sync import LIVE
from hub.simulator import SimConfig
from tests.fixtures_browser import LiveHub, StartHub, new_page, page_errors, sign_in


async def synced_hub(start_hub: StartHub, rooms: int, **overrides: Any) -> LiveHub:
    admins = frozenset({"zhangsan"})
    hub = await start_hub(SimConfig(rooms=rooms, seed=5), admin_users=admins, **overrides)
    run = await hub.app[LIVE].sync("test")
    assert run is not None and run.ok
    return hub


async def test_a_room_page_plays_its_replay_and_an_admin_pins_it(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await synced_hub(start_hub, 60)
    row = await hub.app[DB].fetchone(
        "SELECT roomid FROM live_room WHERE live_replay <> '[]' ORDER BY roomid LIMIT 1"
    )
    assert row is not None, "the simulator's ended rooms have replays ready"
    roomid = int(row["roomid"])
    context, page = await new_page(browser)
    await page.goto(f"{hub.url}/live/rooms/{roomid}")
    video = page.locator("video").first
    await expect(video).to_be_attached()
    await page.wait_for_function(
        "() => document.querySelector('video').readyState >= 1", timeout=15_000
    )
    src = await video.get_attribute("src")
    assert src is not None and src.startswith(hub.sim.url)
    assert await page.locator("#toggle-pin").count() == 0

    await sign_in(page, hub, "zhangsan", f"/live/rooms/{roomid}")
    await page.click("#toggle-pin")
    await expect(page.locator("#toggle-pin")).to_have_text("取消置顶")
    await page.goto(hub.url + "/")
    await expect(page.locator(".room-card").first).to_have_attribute("data-roomid", str(roomid))
    assert page_errors(page) == []
    await context.close()


async def test_home_search_filter_and_paging_keep_the_url(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await synced_hub(start_hub, 90)
    _, page = await new_page(browser)
    await page.goto(hub.url + "/")
    await expect(page.locator(".room-card")).to_have_count(20)
    await expect(page.locator("#rooms-shown")).to_have_text("第 1–20 个，共 90 个")

    await page.click("#rooms-next")
    await expect(page).to_have_url(re.compile(r"/\?page=2$"))
    await expect(page.locator("#rooms-shown")).to_have_text("第 21–40 个，共 90 个")

    ended = page.locator('#rooms-filters .chip[data-status="103"]')
    count = int(await ended.locator(".chip-count").inner_text())
    await ended.click()
    await expect(page).to_have_url(re.compile(r"/\?status=103$"))
    await expect(page.locator(".room-card")).to_have_count(min(count, 20))
    # The cards of page 2 are 20 as well: wait for the filtered ones, not just a count of 20.
    await expect(page.locator(".room-card:not(.s103)")).to_have_count(0)

    name = await page.locator(".room-card h3").first.inner_text()
    await page.fill("#rooms-q", name)
    await page.press("#rooms-q", "Enter")
    await expect(page).to_have_url(re.compile(r"/\?q=.+&status=103$"))
    # The list carries the view it shows once the search's answer is rendered: count then.
    await expect(page.locator("#rooms")).to_have_attribute("data-q", name)
    await expect(page.locator(".room-card h3").first).to_have_text(name)
    cards = await page.locator(".room-card").count()
    await page.reload()  # the view survives a refresh: the server renders it from the URL
    await expect(page.locator(".room-card")).to_have_count(cards)
    await expect(page.locator("#rooms-q")).to_have_value(name)
    await page.go_back()
    await expect(page).to_have_url(re.compile(r"/\?status=103$"))
    await expect(page.locator("#rooms-q")).to_have_value("")
    assert page_errors(page) == []


async def test_admin_finds_any_room_by_search_and_pages(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await synced_hub(start_hub, 120)
    _, page = await new_page(browser)
    await sign_in(page, hub, "zhangsan", "/admin")
    rows = page.locator("#admin-rooms tbody tr")
    await expect(rows).to_have_count(50)
    await expect(page.locator("#admin-rooms-page")).to_have_text("第 1–50 个，共 120 个")
    await page.click("#admin-rooms-next")
    await page.click("#admin-rooms-next")
    await expect(page.locator("#admin-rooms-page")).to_have_text("第 101–120 个，共 120 个")
    await expect(rows).to_have_count(20)
    last = await hub.app[DB].fetchone(
        "SELECT roomid, name FROM live_room ORDER BY is_top, start_time, roomid LIMIT 1"
    )
    assert last is not None
    await page.fill("#admin-rooms-q", str(last["name"]))
    await page.press("#admin-rooms-q", "Enter")
    row = page.locator(f'#admin-rooms tr[data-roomid="{last["roomid"]}"]')
    await expect(row).to_be_visible()
    await row.locator("button").click()
    await expect(row.locator(".tag")).to_be_visible()
    assert page_errors(page) == []


async def test_room_cards_keep_beijing_time_whatever_hub_timezone_says(
    browser: Browser, start_hub: StartHub
) -> None:
    """Live rooms are WeChat's: their start times stay in Beijing time (as the room page and the
    egg.js API give them) on a hub whose meetings run in another zone."""
    hub = await synced_hub(start_hub, 3, timezone="Europe/Berlin")
    _, page = await new_page(browser)
    await page.goto(hub.url + "/")
    card = page.locator(".room-card").first
    await expect(card).to_contain_text("开播")
    # A sync's `live` event makes the page draw its cards itself (home.js, not the template).
    run = await hub.app[LIVE].sync("test")
    assert run is not None and run.ok
    roomid = int(await card.get_attribute("data-roomid") or 0)
    start = await hub.app[DB].fetchval(
        "SELECT start_time FROM live_room WHERE roomid = ?", (roomid,)
    )
    at = datetime.fromtimestamp(int(start), ZoneInfo("Asia/Shanghai"))
    # zh-CN's short date from Intl (2026/3/1), where the template writes 2026-03-01.
    await expect(card).to_contain_text(f"{at.year}/{at.month}/{at.day} {at:%H:%M} 开播")
    assert page_errors(page) == []
