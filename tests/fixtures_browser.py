"""Playwright fixtures: Debian's Chromium, a hub on a real port beside the simulator, sign-in."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from hub.app import create_app
from hub.settings import Settings
from hub.simulator import RunningSimulator, SimConfig, start_simulator
from tests.helpers_auth import sim_settings
from tests.servers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
HAVE_CHROMIUM = os.path.exists(CHROMIUM)

expect.set_options(timeout=TIMEOUT_MS)


@dataclasses.dataclass
class LiveHub:
    """A hub served on a real port, reachable by Chromium, and its simulator."""

    url: str
    app: web.Application
    sim: RunningSimulator


StartHub = Callable[..., Awaitable[LiveHub]]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium (Debian's build; Playwright's own download is not used)."""
    if not HAVE_CHROMIUM:
        # scripts/test installs it and requires it; elsewhere a missing browser skips.
        if os.environ.get("HUB_TEST_REQUIRE_SERVERS") == "1":
            pytest.fail(f"Chromium is required at {CHROMIUM}")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


async def serve(settings: Settings, port: int) -> tuple[TestServer, web.Application]:
    """Run create_app(settings) on 127.0.0.1:port."""
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    return server, app


@pytest.fixture
async def start_hub(make_settings: Callable[..., Settings]) -> AsyncIterator[StartHub]:
    """Start a simulator and a hub whose public URL is its real address (for QR links, Origin)."""
    running: list[tuple[TestServer, RunningSimulator]] = []

    async def start(sim_config: SimConfig | None = None, **overrides: Any) -> LiveHub:
        sim = await start_simulator(sim_config or SimConfig(rooms=0))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = sim_settings(make_settings, sim.url, public_url=url, **overrides)
        server, app = await serve(settings, port)
        running.append((server, sim))
        return LiveHub(url, app, sim)

    yield start
    for server, sim in reversed(running):
        await server.close()
        await sim.close()


async def new_page(
    browser: Browser, *, locale: str = "zh-CN", viewport: dict[str, int] | None = None
) -> tuple[BrowserContext, Page]:
    """A fresh browser context (own cookies: another person) and a page in it."""
    context = await browser.new_context(
        locale=locale,
        viewport=viewport or {"width": 1280, "height": 900},  # type: ignore[arg-type]
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    setattr(page, "_hub_errors", errors)  # noqa: B010 - checked by page_errors()
    return context, page


def page_errors(page: Page) -> list[str]:
    """Uncaught script errors and dialogs (alert/confirm) seen on this page so far."""
    errors: list[str] = getattr(page, "_hub_errors", [])
    return errors


async def sign_in(page: Page, hub: LiveHub, userid: str, next_path: str = "/") -> None:
    """Sign in as a person would: /login, "sign in with WeCom", pick the user at the simulator."""
    await page.goto(f"{hub.url}/login?next={next_path}")
    await page.click("#wecom-login")
    await page.wait_for_url(re.compile(r".*/connect/oauth2/authorize.*"))
    await page.click(f'a[href*="userid={userid}"]')
    await page.wait_for_url(re.compile(re.escape(hub.url) + re.escape(next_path) + r"$"))
    await expect(page.locator("#logout")).to_be_visible()


async def create_meeting(page: Page, title: str) -> str:
    """On the home page, create a meeting; returns its number."""
    await page.fill("#create-title", title)
    await page.click("#create-button")
    await page.wait_for_url(re.compile(r".*/m/\d{5}$"))
    await expect(page.locator("#meeting-title")).to_have_text(title)
    number = await page.locator("#meeting-number").inner_text()
    assert re.fullmatch(r"\d{5}", number)
    await expect(page.locator("#conn.open")).to_be_visible()
    return number


async def join_by_number(page: Page, number: str) -> None:
    """On the home page, type the number into the join box."""
    await page.fill("#join-number", number)
    await page.click("#join-button")
    await page.wait_for_url(re.compile(rf".*/m/{number}$"))
    await expect(page.locator("#conn.open")).to_be_visible()


async def room_with_screen(
    browser: Browser, start_hub: StartHub, title: str = "互动测试"
) -> tuple[Page, Page, Page, str]:
    """张三 organizes `title`, 李四 joins on a phone, and the organizer's screen is open: the
    organizer's page, the phone, the screen and the meeting number."""
    hub = await start_hub()
    _, org = await new_page(browser)
    _, phone = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, title)
    await sign_in(phone, hub, "lisi")
    await join_by_number(phone, number)
    await expect(org.locator("#online li", has_text="李四")).to_be_visible()
    screen = await org.context.new_page()
    await screen.goto(f"{hub.url}/m/{number}/screen")
    return org, phone, screen, number
