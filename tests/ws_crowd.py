"""A crowd of meeting websockets for tests that open hundreds at once: a lean raw client, people
who joined a meeting, and their sockets opened through the real handler with a ws-ticket each.

aiohttp's client costs a task and a reader per socket; this one is a plain protocol that parses
frames by hand (server frames are unmasked) and only reads inside `hello` and `presence` frames,
so a thousand sockets in the test's own event loop leave the CPU to the hub.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import struct
import time
from collections.abc import Callable
from typing import Any, cast

from aiohttp import web

from hub.keys import CACHE, DB
from hub.realtime.ticket import issue_ticket
from hub.storage.meetings import Meeting, join_meeting
from hub.storage.users import User, upsert_login

Frame = dict[str, Any]
_TYPE_AT = len(b'{"type":"')
_READ_TYPES = (b"hello", b"presence")


def masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask; payloads here stay under 126 bytes)."""
    assert len(payload) < 126
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + body


class RawSocket(asyncio.Protocol):
    """One websocket: the upgrade, then frames; keeps the hello, every presence frame, the close."""

    def __init__(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.request = request
        self.upgraded: asyncio.Future[bool] = loop.create_future()
        self.gone: asyncio.Future[None] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.is_upgraded = False
        self.hello: Frame | None = None
        self.presence: list[Frame] = []
        self.frames = 0
        self.close_code: int | None = None

    @property
    def last_count(self) -> int | None:
        """The count of the last presence frame received (None before the first)."""
        return self.presence[-1]["count"] if self.presence else None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_result(False)
        if not self.gone.done():
            self.gone.set_result(None)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.is_upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            ok = buf.startswith(b"HTTP/1.1 101")
            del buf[: end + 4]
            self.is_upgraded = True
            self.upgraded.set_result(ok)
            if not ok:
                self.abort()
                return
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, n, head = buf[pos], buf[pos + 1] & 0x7F, 2
            if n == 126:
                if size - pos < 4:
                    break
                n, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif n == 127:
                if size - pos < 10:
                    break
                n, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            start, end = pos + head, pos + head + n
            if end > size:
                break
            self._frame(b0 & 0x0F, buf, start, end)
            pos = end
        if pos:
            del buf[:pos]

    def _frame(self, op: int, buf: bytearray, start: int, end: int) -> None:
        if op == 0x1:
            self.frames += 1
            kind = buf[start + _TYPE_AT : start + _TYPE_AT + 10].partition(b'"')[0]
            if kind in _READ_TYPES:
                frame: Frame = json.loads(buf[start:end])
                if kind == b"hello":
                    self.hello = frame
                else:
                    self.presence.append(frame)
        elif op == 0x9:
            self._write(masked(0xA, bytes(buf[start:end])))
        elif op == 0x8:
            self.close_code = int.from_bytes(buf[start : start + 2], "big") if end > start else 1005
            self._write(masked(0x8, bytes(buf[start : start + 2])))
            if self.transport is not None:
                self.transport.close()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    async def close(self, code: int = 1000) -> None:
        """Close politely and wait until the connection is gone (the server answers the close)."""
        self._write(masked(0x8, struct.pack("!H", code)))
        await self.gone

    def abort(self) -> None:
        """Drop the connection without a close frame."""
        if self.transport is not None:
            self.transport.abort()


async def open_socket(port: int, path: str) -> RawSocket:
    """A websocket to 127.0.0.1:port at `path`; fails when the server refuses the upgrade."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, sock = await loop.create_connection(lambda: RawSocket(request), "127.0.0.1", port)
    assert await sock.upgraded, f"the upgrade of {path.partition('?')[0]} was refused"
    return sock


async def join_crowd(app: web.Application, meeting: Meeting, count: int) -> list[User]:
    """`count` people who signed in and joined the meeting (in storage, as the join API does)."""
    db = app[DB]
    now = time.time()
    people = []
    for i in range(count):
        user = await upsert_login(db, f"c{i:05d}", None, now)
        await join_meeting(db, meeting.id, user.id, now)
        people.append(user)
    return people


async def open_crowd(
    app: web.Application, port: int, meeting: Meeting, people: list[User], at_once: int
) -> list[RawSocket]:
    """One socket per person through a fresh ws-ticket each, `at_once` connecting at a time."""
    gate = asyncio.Semaphore(at_once)

    async def one(user: User) -> RawSocket:
        async with gate:
            ticket = await issue_ticket(app[CACHE], user.id, meeting.id)
            return await open_socket(port, f"/ws/meetings/{meeting.number}?ticket={ticket}")

    made = await asyncio.gather(*(one(u) for u in people), return_exceptions=True)
    socks = [s for s in made if isinstance(s, RawSocket)]
    failed = [e for e in made if isinstance(e, BaseException)]
    if failed:
        for sock in socks:
            sock.abort()
        raise failed[0]
    return socks


def allow_open_files(needed: int) -> None:
    """Raise the soft limit on open files to `needed` (up to the hard limit) when it is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        top = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))


async def wait_until(check: Callable[[], bool], within: float, what: str) -> None:
    """Poll a plain check until it is true; fails with `what` when it never is."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)
