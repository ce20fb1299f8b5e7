"""Helpers for the realtime tests: meetings set up in storage, websocket clients, frame waits."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.keys import CACHE, DB, SETTINGS
from hub.realtime.ticket import issue_ticket
from hub.storage.meetings import Meeting, create_meeting, find_free_number, join_meeting
from hub.storage.users import User, upsert_login

Frame = dict[str, Any]
WS = aiohttp.ClientWebSocketResponse


async def make_user(app: web.Application, userid: str) -> User:
    """A user as a WeCom login would leave them."""
    return await upsert_login(app[DB], userid, f"http://avatar/{userid}", time.time())


async def make_meeting(app: web.Application, organizer: User, *attendees: User) -> Meeting:
    """An active meeting organized by `organizer` that `attendees` joined."""
    db = app[DB]
    number = await find_free_number(db, random.randrange(100_000))
    assert number is not None
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, number, "Weekly", organizer.id, time.time())
    for user in attendees:
        await join_meeting(db, meeting.id, user.id, time.time())
    return meeting


async def connect_ticket(
    client: TestClient[Any, Any],
    session: aiohttp.ClientSession,
    user: User,
    meeting: Meeting,
    query: str = "",
    *,
    autoping: bool = True,
) -> WS:
    """A websocket through a ticket (no cookie, no Origin), as a non-browser client would.

    With `autoping=False` it answers no protocol ping (aiohttp answers them inside receive()).
    """
    ticket = await issue_ticket(client.app[CACHE], user.id, meeting.id)
    url = client.make_url(f"/ws/meetings/{meeting.number}?ticket={ticket}{query}")
    return await session.ws_connect(url, autoping=autoping)


def origin(client: TestClient[Any, Any]) -> dict[str, str]:
    """The Origin header a page of this hub would send."""
    return {"Origin": client.app[SETTINGS].public_url}


async def next_frame(ws: WS, within: float = 10.0) -> Frame:
    """The next JSON frame; fails on a close or a timeout."""
    msg = await ws.receive(timeout=within)
    assert msg.type is aiohttp.WSMsgType.TEXT, (msg.type, msg.data)
    frame: Frame = json.loads(msg.data)
    return frame


async def frame_of(ws: WS, kind: str, within: float = 10.0) -> Frame:
    """The next frame of type `kind`, skipping others (presence frames come and go)."""
    deadline = time.monotonic() + within
    while True:
        frame = await next_frame(ws, max(0.1, deadline - time.monotonic()))
        if frame["type"] == kind:
            return frame


async def record_frames(
    ws: WS, kind: str, stop: asyncio.Event, frames: list[tuple[float, Frame]]
) -> None:
    """Record each frame of type `kind` with the time it came in, until `stop` and a quiet 2 s."""
    while True:
        try:
            msg = await ws.receive(timeout=2.0)
        except TimeoutError:
            if stop.is_set():
                return
            continue
        if msg.type is not aiohttp.WSMsgType.TEXT:
            return
        frame = json.loads(msg.data)
        if frame["type"] == kind:
            frames.append((time.monotonic(), frame))


async def chats(ws: WS, count: int, within: float = 15.0) -> list[Frame]:
    """The next `count` chat frames."""
    return [await frame_of(ws, "chat", within) for _ in range(count)]


async def no_chat_within(ws: WS, seconds: float) -> None:
    """Nothing but non-chat frames arrives for a while."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = await next_frame(ws, left)
        except TimeoutError:
            return
        assert frame["type"] != "chat", frame


async def eventually(check: Callable[[], Any], within: float = 10.0) -> None:
    """Poll an (async or plain) check until it is truthy."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
