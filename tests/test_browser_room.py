"""The room module in real Chromium: an ended meeting stops every page's socket for good."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, Page, WebSocket, expect

from hub.realtime.rooms import MEETING_ENDED, REALTIME
from tests.fixtures_browser import StartHub, create_meeting, new_page, page_errors, sign_in

pytestmark = pytest.mark.browser

# Longer than reconnectingSocket's first backoffs (0.5 s, 1 s, 2 s, with jitter).
QUIET_SECONDS = 4.0


def count_sockets(page: Page) -> list[WebSocket]:
    """Every meeting websocket the page opens from now on (not the home page's /ws/live)."""
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws) if "/ws/meetings/" in ws.url else None)
    return sockets


async def closed(socket: WebSocket) -> None:
    """Wait until the page's socket is closed."""
    if not socket.is_closed():  # no await between the check and the wait: no event is missed
        await socket.wait_for_event("close")


async def test_ended_meeting_stops_the_screen_and_the_room(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "投屏结束")

    screen = await context.new_page()
    screen_sockets = count_sockets(screen)
    await screen.goto(f"{hub.url}/m/{number}/screen")
    await expect(screen.locator("#meeting-title")).to_have_text("投屏结束")
    await expect(screen.locator("#ended-banner")).to_be_hidden()
    # The screen is live: a message from the room reaches its wall.
    await org.fill("#chat-input", "上墙")
    await org.press("#chat-input", "Enter")
    await expect(screen.locator("#messages .bubble", has_text="上墙")).to_be_visible()
    assert len(screen_sockets) == 1

    # Ended through the API, not the page's button: both pages learn it from the server.
    org_sockets = count_sockets(org)
    answer = await context.request.post(
        f"{hub.url}/api/meetings/{number}/end", headers={"Origin": hub.url}
    )
    assert answer.status == 200
    await expect(screen.locator("#ended-banner")).to_be_visible()
    await expect(org.locator("#ended-banner")).to_be_visible()
    await expect(org.locator("#chat-input")).to_be_disabled()
    await closed(screen_sockets[0])

    # And nobody comes back: no new socket in the next few seconds.
    await asyncio.sleep(QUIET_SECONDS)
    assert len(screen_sockets) == 1
    assert org_sockets == []
    assert page_errors(org) == [] and page_errors(screen) == []


async def test_a_page_opened_on_an_ended_meeting_opens_no_socket(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "已结束的会")
    await org.fill("#chat-input", "结束前的话")
    await org.press("#chat-input", "Enter")
    await expect(org.locator(".msg.mine:not(.pending)")).to_have_count(1)
    await org.click("#end-meeting")
    await org.click("#end-meeting")
    await expect(org.locator("#ended-banner")).to_be_visible()

    for path in (f"/m/{number}", f"/m/{number}/screen"):
        page = await context.new_page()
        sockets = count_sockets(page)
        await page.goto(hub.url + path)
        await expect(page.locator("#ended-banner")).to_be_visible()
        # What was said is still there to read.
        await expect(page.locator("#messages .bubble", has_text="结束前的话")).to_be_visible()
        await asyncio.sleep(1.0)
        assert sockets == [], path
        assert page_errors(page) == []
    # A newcomer cannot join an ended meeting: the screen says it ended, and opens no socket.
    other, stranger = await new_page(browser)
    await sign_in(stranger, hub, "lisi")
    sockets = count_sockets(stranger)
    await stranger.goto(f"{hub.url}/m/{number}/screen")
    await expect(stranger.locator("#ended-banner")).to_be_visible()
    await asyncio.sleep(1.0)
    assert sockets == []
    await other.close()


async def test_close_code_4409_alone_is_final(browser: Browser, start_hub: StartHub) -> None:
    # Were the "ended" frame lost, the close code still tells the page the meeting is over.
    hub = await start_hub()
    context, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "只有关闭码")
    screen = await context.new_page()
    sockets = count_sockets(screen)
    await screen.goto(f"{hub.url}/m/{number}/screen")
    await expect(screen.locator("#meeting-title")).to_have_text("只有关闭码")
    realtime = hub.app[REALTIME]
    async with asyncio.timeout(10):
        # Server-side state has no event to wait on: poll until both pages are in the room.
        while realtime.client_count() < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    # Close with the code only, as if the frame before it were lost.
    for room in list(realtime.rooms.values()):
        for client in room.snapshot:
            realtime.drop(client, MEETING_ENDED, "meeting ended")
    for page in (org, screen):
        await expect(page.locator("#ended-banner")).to_be_visible()
    await asyncio.sleep(QUIET_SECONDS)
    assert len(sockets) == 1
    assert page_errors(org) == [] and page_errors(screen) == []
