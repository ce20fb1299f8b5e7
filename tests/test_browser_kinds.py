"""Activity kinds in the browser: the JS registry, forms and export links follow the server."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser

from hub.activities import KINDS
from hub.app import STATIC_DIR, TEMPLATES_DIR
from hub.i18n import catalogue
from tests.fixtures_browser import StartHub, create_meeting, new_page, sign_in

pytestmark = pytest.mark.browser

MESSAGE_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")


async def test_browser_kinds_match_the_server_registry(
    browser: Browser, start_hub: StartHub
) -> None:
    hub = await start_hub()
    _, page = await new_page(browser)
    await sign_in(page, hub, "zhangsan")
    await create_meeting(page, "类型")
    server = await page.evaluate(
        "JSON.parse(document.getElementById('page-config').textContent).kinds"
    )
    assert server == [{"kind": k.name, "plural": k.plural} for k in KINDS]
    browser_kinds = await page.evaluate(
        """import('/static/js/activities/index.js').then((m) =>
             [...m.KINDS.values()].map((k) => ({kind: k.kind, plural: k.plural})))"""
    )
    assert sorted(browser_kinds, key=str) == sorted(server, key=str)
    # One create form and one export link per kind, in the server's order: the organizer's kinds
    # among the organizer's tools, the kinds attendees create (a question) where attendees see it.
    by_whom = {k.name: k.created_by for k in KINDS}
    for where, creator in (("#organizer-tools", "organizer"), ("#attendee-tools", "attendee")):
        forms = page.locator(f"{where} form[data-create]")
        assert [await f.get_attribute("data-create") for f in await forms.all()] == [
            k["kind"] for k in server if by_whom[k["kind"]] == creator
        ]
    links = await page.locator("#export-card a[data-kind]").evaluate_all(
        "as => as.map((a) => a.href)"
    )
    kinds = [re.search(r"kind=(\w+)", href).group(1) for href in links]  # type: ignore[union-attr]
    assert kinds == [*(k["plural"] for k in server), "chat", "attendees"]
    assert all("lang=zh" in href for href in links)  # exports for people, in the page's language


def test_kind_modules_and_form_partials_use_known_message_keys() -> None:
    # tests/test_pages.py reads the top folders only; kinds live one folder down.
    files = [*(TEMPLATES_DIR / "activities").glob("*.html"), *(STATIC_DIR / "js").rglob("*.js")]
    used: set[str] = set()
    for path in files:
        used |= set(MESSAGE_KEY.findall(path.read_text(encoding="utf-8")))
    kinds = [p.stem for p in (STATIC_DIR / "js" / "activities").glob("*.js")]
    for kind in set(kinds) - {"board", "index"}:
        used.add(f"{kind}.kind")  # the card's and the form's label: t(`${kind}.kind`)
    for lang in ("zh", "en"):
        assert sorted(k for k in used if k not in catalogue(lang)) == []
