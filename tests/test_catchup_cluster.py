"""Screens and phones converge after any outage (ops F2), in Chromium against 3 hub processes.

The pages reach the processes through a small TCP balancer (as nginx would), which sends every
new connection to the first live process from its preferred one. Activities are created, voted
and closed on other processes while Redis is stopped; then Redis comes back, or the process
serving the pages is killed. Each page must end up showing what a fresh page shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.cluster import Cluster, ClusterFactory
from tests.fixtures_browser import new_page
from tests.fixtures_ops import login
from tests.servers import Redis, free_port, have_redis

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.mysql, pytest.mark.redis]

ORG = "zhangsan"
PHONE = "lisi"
VOTERS = ["wangwu", "zhaoliu", "chenjing", "liuyang", "huangmin"]
# The screen's documented connection hook (docs/dashboard.md).
SCREEN_ONLINE = "() => document.querySelector('#connection')?.dataset.state === 'online'"
# Generous: a test never asserts wall-clock times; the design answers in a few seconds.
CONVERGE_WITHIN = 30.0

# What a board shows, through the documented hooks (docs/dashboard.md): every card's kind, id,
# status and version, and its text (counts, percentages, who won).
BOARD_STATE = """(selector) =>
[...document.querySelectorAll(selector + ' article.activity')].map((c) => ({
  kind: c.dataset.kind, id: c.dataset.id, status: c.dataset.status, version: c.dataset.version,
  text: c.innerText.replace(/\\s+/g, ' ').trim(),
}))"""


class Balancer:
    """A TCP balancer: each new connection goes to the first live backend from `prefer` on."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.prefer = 0
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        order = self.ports[self.prefer :] + self.ports[: self.prefer]
        for port in order:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            break
        else:
            writer.close()
            return
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._pipes.update(pipes)
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)
        self._pipes.difference_update(pipes)
        for w in (writer, up_writer):
            w.close()

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()

    async def close(self) -> None:
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
def own_redis() -> Iterator[Redis]:
    """A Redis of this test's own: it stops and starts it."""
    if not have_redis():
        pytest.skip("Redis is not installed; run scripts/test")
    server = Redis().start()
    yield server
    server.destroy()


@pytest.fixture
async def lb_cluster(
    cluster_factory: ClusterFactory, own_redis: Redis
) -> AsyncIterator[tuple[Cluster, Balancer]]:
    """3 hub processes on MariaDB and this test's Redis, behind a balancer (their public URL)."""
    ports = [free_port() for _ in range(3)]
    balancer = Balancer(ports)
    await balancer.start()
    # The balancer is the public name: cookies, the OAuth redirect and the Origin check use it.
    cluster = await asyncio.to_thread(
        cluster_factory, 3, env={"HUB_PUBLIC_URL": balancer.url}, redis=own_redis
    )
    balancer.ports[:] = [h.port for h in cluster.hubs]
    try:
        yield cluster, balancer
    finally:
        await balancer.close()


class People:
    """The organizer and voters as API clients (each on a process of its own choice)."""

    def __init__(self, cluster: Cluster, origin: str) -> None:
        self.cluster = cluster
        self.headers = {"Origin": origin}
        self.sessions: dict[str, aiohttp.ClientSession] = {}

    async def sign_in(self, *userids: str) -> None:
        for userid in userids:
            self.sessions[userid] = await login(self.cluster, userid)

    async def call(self, userid: str, hub: int, method: str, path: str, body: Any = None) -> Any:
        """A request of `userid` straight to hub process `hub`; asserts a 2xx."""
        url = self.cluster.urls[hub] + path
        async with self.sessions[userid].request(
            method, url, json=body, headers=self.headers
        ) as resp:
            assert resp.status < 300, (method, path, resp.status, await resp.text())
            return await resp.json()

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sessions.values()))


async def browser_sign_in(page: Page, url: str, userid: str) -> None:
    """Sign in through the balancer as a person does: the WeCom button, a name at the simulator."""
    await page.goto(f"{url}/login?next=/")
    await page.click("#wecom-login")
    await page.wait_for_url(re.compile(r".*/connect/oauth2/authorize.*"))
    await page.click(f'a[href*="userid={userid}"]')
    await page.wait_for_url(re.compile(re.escape(url) + r"/$"))
    await expect(page.locator("#logout")).to_be_visible()


async def until(page: Page, predicate: str, within: float = 20.0) -> None:
    """Poll `predicate` in the page (the pages' CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + within
    while not await page.evaluate(predicate):
        assert time.monotonic() < deadline, f"never true: {predicate}"
        await asyncio.sleep(0.1)


async def board(page: Page, selector: str) -> list[dict[str, Any]]:
    """The cards a board shows, sorted by kind and id."""
    cards: list[dict[str, Any]] = await page.evaluate(BOARD_STATE, selector)
    return sorted(cards, key=lambda c: (c["kind"], int(c["id"])))


async def converged(mine: Page, fresh: Page, selector: str) -> list[dict[str, Any]]:
    """Wait until `mine` shows what `fresh` shows (and `fresh` shows something); returns it."""
    deadline = time.monotonic() + CONVERGE_WITHIN
    while True:
        want, got = await board(fresh, selector), await board(mine, selector)
        if want and got == want:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"{selector} never converged:\n  fresh {want}\n  page  {got}")
        await asyncio.sleep(0.25)


async def open_pages(
    browser: Browser, url: str, number: str
) -> tuple[list[BrowserContext], Page, Page]:
    """The organizer's screen and an attendee's phone, both live on the room."""
    screen_ctx, screen = await new_page(browser)
    await browser_sign_in(screen, url, ORG)
    await screen.goto(f"{url}/m/{number}/screen")
    await until(screen, SCREEN_ONLINE)
    phone_ctx, phone = await new_page(browser, viewport={"width": 390, "height": 844})
    await browser_sign_in(phone, url, PHONE)
    await phone.goto(f"{url}/m/{number}")
    await expect(phone.locator("#conn.open")).to_be_visible()
    return [screen_ctx, phone_ctx], screen, phone


async def fresh_pages(contexts: list[BrowserContext], url: str, number: str) -> tuple[Page, Page]:
    """A new tab of the same screen and of the same phone (same people, same cookies)."""
    screen = await contexts[0].new_page()
    await screen.goto(f"{url}/m/{number}/screen")
    phone = await contexts[1].new_page()
    await phone.goto(f"{url}/m/{number}")
    await expect(phone.locator("#conn.open")).to_be_visible()
    return screen, phone


async def change_activities(people: People, number: str, org_hub: int, vote_hub: int) -> int:
    """Create, vote on and close a poll, open another with votes, score a rating; returns the
    closed poll's id. Every answer is a 2xx: the changes are committed."""
    poll = {"question": "停电时的投票?", "options": ["甲", "乙", "丙"]}
    closed = await people.call(ORG, org_hub, "POST", f"/api/meetings/{number}/polls", poll)
    for i, voter in enumerate(VOTERS):
        choice = {"option_ids": [closed["options"][i % 3]["id"]]}
        await people.call(voter, vote_hub, "POST", f"/api/polls/{closed['id']}/vote", choice)
    await people.call(ORG, org_hub, "POST", f"/api/polls/{closed['id']}/close", {})
    rating = await people.call(
        ORG, org_hub, "POST", f"/api/meetings/{number}/ratings", {"subject": "讲得如何"}
    )
    for voter in VOTERS[:2]:
        score = {"score": 4}
        await people.call(voter, vote_hub, "POST", f"/api/ratings/{rating['id']}/score", score)
    second = await people.call(
        ORG, org_hub, "POST", f"/api/meetings/{number}/polls", {**poll, "question": "再来一个"}
    )
    for voter in VOTERS[:3]:
        choice = {"option_ids": [second["options"][1]["id"]]}
        await people.call(voter, vote_hub, "POST", f"/api/polls/{second['id']}/vote", choice)
    closed_id: int = closed["id"]
    return closed_id


async def start_meeting(people: People, hub: int) -> str:
    """The organizer opens a meeting on process `hub`; the voters join it there."""
    meeting = await people.call(ORG, hub, "POST", "/api/meetings", {"title": "断线重连"})
    number: str = meeting["number"]
    for voter in VOTERS:
        await people.call(voter, hub, "POST", f"/api/meetings/{number}/join")
    return number


async def check_converged(
    contexts: list[BrowserContext],
    url: str,
    number: str,
    pages: tuple[Page, Page],
    closed: int,
    count: int,
) -> None:
    """Both pages show what fresh pages show; the closed poll shows closed with its 5 votes."""
    screen, phone = pages
    fresh_screen, fresh_phone = await fresh_pages(contexts, url, number)
    cards = await converged(phone, fresh_phone, "#activities")
    poll = next(c for c in cards if c["kind"] == "poll" and c["id"] == str(closed))
    assert poll["status"] == "closed" and "5" in poll["text"]
    assert {c["kind"] for c in cards} == {"poll", "rating"} and len(cards) == count
    staged = await converged(screen, fresh_screen, "#stage")
    assert len(staged) == 1


async def test_pages_catch_up_after_a_redis_outage(
    browser: Browser, lb_cluster: tuple[Cluster, Balancer], own_redis: Redis
) -> None:
    cluster, balancer = lb_cluster
    people = People(cluster, balancer.url)
    try:
        await people.sign_in(ORG, *VOTERS)
        number = await start_meeting(people, 1)
        # The pages live on process 0; the changes are made on processes 1 and 2.
        contexts, screen, phone = await open_pages(browser, balancer.url, number)
        first = await people.call(
            ORG,
            1,
            "POST",
            f"/api/meetings/{number}/polls",
            {"question": "前", "options": ["a", "b"]},
        )
        await expect(phone.locator(f'#activities article[data-id="{first["id"]}"]')).to_be_visible()

        await asyncio.to_thread(own_redis.stop)
        closed = await change_activities(people, number, org_hub=1, vote_hub=2)
        await asyncio.to_thread(own_redis.start)

        await check_converged(contexts, balancer.url, number, (screen, phone), closed, 4)
        await expect(phone.locator("#conn.open")).to_be_visible()
        await until(screen, SCREEN_ONLINE)
    finally:
        await people.close()


async def test_pages_catch_up_after_their_process_is_killed(
    browser: Browser, lb_cluster: tuple[Cluster, Balancer], own_redis: Redis
) -> None:
    cluster, balancer = lb_cluster
    people = People(cluster, balancer.url)
    try:
        await people.sign_in(ORG, *VOTERS)
        number = await start_meeting(people, 0)
        contexts, screen, phone = await open_pages(browser, balancer.url, number)

        # Redis stops; the organizer works on process 0, which serves the pages too: what it
        # queued for the broker dies with it.
        await asyncio.to_thread(own_redis.stop)
        closed = await change_activities(people, number, org_hub=0, vote_hub=1)
        await asyncio.to_thread(cluster.hubs[0].kill)
        await asyncio.to_thread(own_redis.start)

        await check_converged(contexts, balancer.url, number, (screen, phone), closed, 3)
        # Both pages are live again, on another process.
        await expect(phone.locator("#conn.open")).to_be_visible()
        await until(screen, SCREEN_ONLINE)
    finally:
        await people.close()
