"""Async helpers for the ops tests: signing in, frames, /metrics samples, a resending chatter."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from yarl import URL

from tests.cluster import ADMIN, Cluster

WS = aiohttp.ClientWebSocketResponse
Client = TestClient[web.Request, web.Application]


async def login(cluster: Cluster, userid: str) -> aiohttp.ClientSession:
    """A browser signed in as `userid` (through the simulator's WeCom page, on hub 0).

    The cookie jar sends the session cookie to every process: cookies ignore the port, as a
    single public name behind a load balancer would.
    """
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    resp = await browser.get(cluster.urls[0] + "/auth/login", allow_redirects=False)
    assert resp.status == 302, await resp.text()
    authorize = resp.headers["Location"].partition("#")[0] + "&userid=" + userid
    async with aiohttp.ClientSession() as plain:
        approved = await plain.get(authorize, allow_redirects=False)
        assert approved.status == 302, await approved.text()
        back = URL(approved.headers["Location"])
    resp = await browser.get(back, allow_redirects=False)
    assert resp.status == 302, await resp.text()
    return browser


async def frame_of(ws: WS, kind: str, within: float = 15.0) -> dict[str, Any]:
    """The next frame of type `kind` (presence frames come and go)."""
    deadline = time.monotonic() + within
    while True:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        assert msg.type is aiohttp.WSMsgType.TEXT, (msg.type, msg.data)
        frame: dict[str, Any] = json.loads(msg.data)
        if frame["type"] == kind:
            return frame


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float, what: str, step: float = 0.2
) -> None:
    """Poll `check` until true; fail naming `what` after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


async def metrics(session: aiohttp.ClientSession, url: str) -> dict[tuple[str, str], float]:
    """The samples of one process's /metrics, keyed by (name, sorted labels as text)."""
    async with session.get(url + "/metrics", headers=ADMIN) as resp:
        assert resp.status == 200
        text = await resp.text()
    out: dict[tuple[str, str], float] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())))] = s.value
    return out


@pytest.fixture
async def browsers() -> AsyncIterator[list[aiohttp.ClientSession]]:
    """Sessions a test opens, closed at the end."""
    opened: list[aiohttp.ClientSession] = []
    yield opened
    for session in opened:
        await session.close()


class ChatClient:
    """A websocket chatter that resends each message (same client_id) until it is confirmed."""

    def __init__(self, browser: aiohttp.ClientSession | Client, path: str, origin: str) -> None:
        self.browser, self.path, self.origin = browser, path, origin
        self.ws: WS | None = None
        self.acked: dict[str, int] = {}  # client_id -> seq
        self.failures = 0  # error frames or dropped connections: "told of failures"
        self.seen: dict[int, str] = {}  # every chat seq this client received -> client_id

    async def connect(self) -> WS:
        if self.ws is None or self.ws.closed:
            after = max(self.seen, default=0)
            self.ws = await self.browser.ws_connect(
                f"{self.path}?after={after}", headers={"Origin": self.origin}
            )
        return self.ws

    async def say(self, text: str, client_id: str, deadline: float) -> None:
        """Send until this client_id comes back as a chat frame."""
        while client_id not in self.acked:
            assert time.monotonic() < deadline, f"{client_id} was never confirmed"
            try:
                ws = await self.connect()
                await ws.send_json({"type": "chat", "text": text, "client_id": client_id})
                await self._read_until(client_id, time.monotonic() + 5)
            except (aiohttp.ClientError, ConnectionError, TimeoutError):
                self.failures += 1
                self.ws = None
                await asyncio.sleep(0.3)

    async def _read_until(self, client_id: str, until: float) -> None:
        assert self.ws is not None
        while client_id not in self.acked:
            msg = await self.ws.receive(timeout=max(0.1, until - time.monotonic()))
            if msg.type is not aiohttp.WSMsgType.TEXT:
                self.failures += 1
                self.ws = None
                await asyncio.sleep(0.3)
                return
            frame = json.loads(msg.data)
            if frame["type"] == "chat":
                self.seen[frame["seq"]] = frame["client_id"]
                if frame["client_id"] in (client_id, *self.acked):
                    self.acked.setdefault(frame["client_id"], frame["seq"])
            elif frame["type"] == "error":
                # Storage was down: the server said so; resend the same client_id later.
                self.failures += 1
                await asyncio.sleep(0.3)
                return
