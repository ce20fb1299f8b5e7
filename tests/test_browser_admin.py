"""The admin page and the home page's live rooms, in real Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hub.simulator import SimConfig
from tests.fixtures_browser import (
    StartHub,
    new_page,
    page_errors,
    serve,
    sign_in,
)
from tests.servers import free_port

pytestmark = pytest.mark.browser


async def test_admin_syncs_pins_and_home_refreshes_itself(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub(SimConfig(rooms=7, seed=3), admin_users=frozenset({"zhangsan"}))
    context, admin = await new_page(browser)
    await sign_in(admin, hub, "zhangsan", "/admin")
    await expect(admin.locator("#runs tbody")).to_contain_text("尚未同步过")
    home = await context.new_page()
    await home.goto(hub.url + "/")
    await expect(home.locator("#rooms")).to_contain_text("暂无直播间")

    await admin.click("#sync-now")
    await expect(admin.locator(".toast.ok")).to_contain_text("同步完成")
    await expect(admin.locator("#last-sync.ok")).to_have_text(re.compile(r"\d{2}:\d{2}:\d{2}"))
    first_run = admin.locator("#runs tbody tr").first
    await expect(first_run).to_contain_text("成功")
    await expect(admin.locator("#quota")).to_contain_text("列表调用")
    await expect(admin.locator("#tokens")).to_contain_text("过期时间")
    await expect(admin.locator("#admin-rooms tbody tr")).to_have_count(7)

    # The open home page learned about the sync on its own (the `live` event), no reload.
    await expect(home.locator(".room-card")).to_have_count(7)
    assert not await home.locator(".badge.pin").count()

    # Pin the last room: the home page shows it pinned, ahead of every room that is not live.
    last = admin.locator("#admin-rooms tbody tr").last
    roomid = await last.get_attribute("data-roomid")
    await last.locator("button").click()
    await expect(admin.locator(f'#admin-rooms tr[data-roomid="{roomid}"] .tag')).to_be_visible()
    pinned = home.locator(f'.room-card[data-roomid="{roomid}"] .badge.pin')
    await expect(pinned).to_be_visible()
    statuses = await home.locator(".room-card").evaluate_all(
        "cards => cards.map(c => [c.dataset.roomid, c.classList.contains('s101')])"
    )
    first_not_live = next(rid for rid, live in statuses if not live)
    assert first_not_live == roomid
    assert page_errors(admin) == [] and page_errors(home) == []


async def test_people_who_are_not_admins_get_a_403_page(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub(admin_users=frozenset({"zhangsan"}))
    _, page = await new_page(browser)
    await sign_in(page, hub, "lisi")
    await expect(page.locator("#nav-admin")).to_have_count(0)
    response = await page.goto(hub.url + "/admin")
    assert response is not None and response.status == 403
    await expect(page.locator("h1")).to_have_text("仅限管理员")


async def test_language_switch_is_remembered(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub()
    _, page = await new_page(browser, locale="zh-CN")
    await page.goto(hub.url + "/")
    await expect(page.locator("#join-button")).to_have_text("加入")
    await page.click("#lang-switch")
    await expect(page.locator("#join-button")).to_have_text("Join")
    await page.goto(hub.url + "/login")
    await expect(page.locator("#wecom-login")).to_have_text("Sign in with WeCom")


async def test_demo_home_shows_the_simulator_rooms_soon_after_start(
    browser: Browser, make_settings: Any, tmp_path: Path
) -> None:
    port = free_port()
    settings = make_settings(
        demo=True,
        demo_rooms=8,
        # Not the demo's usual 9100: test_demo_port needs that one to itself.
        simulator_port=free_port(),
        live_sync_enabled=True,
        live_sync_interval=1.0,
        public_url=f"http://127.0.0.1:{port}",
        data_dir=tmp_path,
    )
    server, _app = await serve(settings, port)
    try:
        _, page = await new_page(browser)
        await page.goto(f"http://127.0.0.1:{port}/")
        await expect(page.locator(".room-card")).to_have_count(8, timeout=10_000)
        await expect(page.locator(".room-card .badge").first).to_be_visible()
        assert page_errors(page) == []
    finally:
        await server.close()
