"""Helpers for the activity tests: a meeting with many signed-in attendees, each its own browser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.helpers_auth import login, new_browser

# Logins at once: enough to be quick, few enough not to queue on the simulator's sockets.
LOGIN_CONCURRENCY = 40


@dataclass
class Room:
    """A meeting: the organizer's client, its number and the attendees' browsers."""

    organizer: TestClient[Any, Any]
    number: str
    attendees: list[aiohttp.ClientSession]


async def error_code(resp: aiohttp.ClientResponse, status: int) -> str:
    """Assert a JSON error with this status; returns its code."""
    assert resp.status == status, (resp.status, await resp.text())
    body = await resp.json()
    assert set(body["error"]) >= {"code", "message"}, body
    code: str = body["error"]["code"]
    return code


async def ok(resp: aiohttp.ClientResponse, status: int = 200) -> Any:
    """Assert the status and return the JSON body."""
    assert resp.status == status, (resp.status, await resp.text())
    return await resp.json()


async def open_meeting(client: TestClient[Any, Any], sim_url: str, organizer: str) -> str:
    """Sign `organizer` in on the test client and open a meeting; returns its number."""
    await login(client, sim_url, organizer)
    body = await ok(await client.post("/api/meetings", json={"title": "活动测试"}), 201)
    number: str = body["number"]
    return number


@asynccontextmanager
async def attendees(
    client: TestClient[Any, Any], sim_url: str, number: str | None, names: list[str]
) -> AsyncIterator[list[aiohttp.ClientSession]]:
    """Browsers signed in as `names` (concurrently), joined to meeting `number` unless None."""
    browsers = [new_browser(client) for _ in names]
    gate = asyncio.Semaphore(LOGIN_CONCURRENCY)

    async def sign_in(browser: aiohttp.ClientSession, name: str) -> None:
        async with gate:
            await login(browser, sim_url, name)
            if number is not None:
                await ok(await browser.post(f"/api/meetings/{number}/join"))

    try:
        await asyncio.gather(*(sign_in(b, n) for b, n in zip(browsers, names, strict=True)))
        yield browsers
    finally:
        await asyncio.gather(*(b.close() for b in browsers))


@asynccontextmanager
async def room(client: TestClient[Any, Any], sim_url: str, size: int) -> AsyncIterator[Room]:
    """A meeting organized by "org" on `client` with `size` attendees a0, a1, ..."""
    number = await open_meeting(client, sim_url, "org")
    async with attendees(client, sim_url, number, [f"a{i}" for i in range(size)]) as crowd:
        yield Room(client, number, crowd)
