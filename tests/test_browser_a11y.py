"""Accessibility in real Chromium: axe-core finds no critical or serious issue on any page, at a
phone's and a laptop's size; keyboard focus is visible and stays put after acting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.fixtures_browser import StartHub, create_meeting, join_by_number, new_page, sign_in

pytestmark = pytest.mark.browser

# axe-core 4.14.1 (MPL-2.0), vendored for the tests only: never served by hub.
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SIZES = ({"width": 390, "height": 844}, {"width": 1280, "height": 800})
BLOCKING = ("critical", "serious")


async def axe_problems(page: Page) -> list[dict[str, Any]]:
    """The critical and serious violations axe finds on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated over the DevTools protocol: the pages' CSP forbids inline scripts.
        await page.evaluate(AXE + "\n;true")
    result = await page.evaluate("async () => await window.axe.run(document)")
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": v["nodes"][0].get("failureSummary", "")[:300],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


async def test_axe_finds_nothing_serious_on_any_page(browser: Browser, start_hub: StartHub) -> None:
    hub = await start_hub(admin_users=frozenset({"zhangsan"}))
    _, org = await new_page(browser)
    await sign_in(org, hub, "zhangsan")
    number = await create_meeting(org, "无障碍检查")
    # Content on the page: a message and an open poll.
    await org.fill("#chat-input", "大家好")
    await org.press("#chat-input", "Enter")
    await org.click("details.tool:has(form[data-create=poll]) summary")
    form = org.locator("form[data-create=poll]")
    await form.locator("[name=question]").fill("午饭吃什么？")
    await form.locator("[name=options]").fill("面\n饭")
    await form.locator("button[type=submit]").click()
    await expect(org.locator('#activities [data-kind="poll"]')).to_be_visible()
    _, guest = await new_page(browser)
    await sign_in(guest, hub, "lisi")
    await join_by_number(guest, number)
    await expect(guest.locator('#activities [data-kind="poll"]')).to_be_visible()

    pages = {
        "home": (org, "/"),
        "meeting (organizer)": (org, f"/m/{number}"),
        "meeting (attendee)": (guest, f"/m/{number}"),
        "screen": (org, f"/m/{number}/screen"),
        "me": (org, "/me"),
        "admin": (org, "/admin"),
        "home (anonymous)": (None, "/"),
    }
    anonymous = (await new_page(browser))[1]
    for page in (org, guest, anonymous):
        # Routing turns Chromium's cache off: every visit is a fresh load, not a revalidation.
        await page.route("**/*", lambda route: route.continue_())
    found: dict[str, Any] = {}
    for size in SIZES:
        for name, (who, path) in pages.items():
            page = who or anonymous
            await page.set_viewport_size(size)  # type: ignore[arg-type]
            await page.goto(hub.url + path)
            await page.wait_for_load_state("networkidle")
            if path.startswith("/m/") and not path.endswith("/screen"):
                await expect(page.locator("#conn.open")).to_be_visible()
            problems = await axe_problems(page)
            if problems:
                found[f"{name} at {size['width']}"] = problems
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def lum(rgb: tuple[int, int, int]) -> float:
        parts = [c / 255 for c in rgb]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


async def test_keyboard_focus_skip_link_and_reduced_motion(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    context = await browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, reduced_motion="reduce"
    )
    page = await context.new_page()
    await sign_in(page, hub, "zhangsan")
    await create_meeting(page, "键盘与动效")
    # The first Tab reaches the skip link, which takes focus past the top bar.
    await page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    await expect(skip).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#main")).to_be_focused()
    # The focus ring on an input is at least 3:1 against the white card.
    await page.locator("#chat-input").focus()
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Tab")
    ring = await page.locator("#chat-input").evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineColor]"
    )
    assert ring[0] != "none", ring
    rgb = tuple(int(x) for x in ring[1][ring[1].index("(") + 1 : -1].split(",")[:3])
    assert _contrast(rgb, (255, 255, 255)) >= 3, ring  # type: ignore[arg-type]
    # Motion is off for people who ask: no slide-in on new cards, no gliding bars.
    duration = await page.locator("#toasts").evaluate(
        "e => { const t = document.createElement('div'); t.className = 'toast'; e.append(t);"
        " return parseFloat(getComputedStyle(t).animationDuration); }"
    )
    assert duration < 0.01
    # Text is sized in rem (the page's CSP keeps us from restyling it here, so read the rules):
    # a reader's larger default font then enlarges chat, options and buttons too.
    sizes = await page.evaluate(
        "[...document.styleSheets].flatMap(s => [...s.cssRules]).filter(r => r.style"
        " && r.style.fontSize).map(r => [r.selectorText, r.style.fontSize])"
    )
    in_px = [(sel, size) for sel, size in sizes if size.endswith("px")]
    assert sizes and not in_px, in_px
    await context.close()
