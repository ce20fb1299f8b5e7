"""Bench clients: lean raw-protocol websocket clients in worker processes, driven over a pipe.

A client parses frames by hand (server frames are unmasked) and only looks inside chat frames
for the sender's timestamp, so one worker can take tens of thousands of frames a second and the
numbers measure the server, not the client library.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import importlib
import json
import os
import socket
import struct
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

CHAT = b'"type":"chat"'
PRESENCE = b'"type":"presence"'
COUNT = b'"count":'
TEXT = b'"text":"'
_PONG = b'"type":"pong"'


@dataclass
class Stats:
    """What one worker saw since the last `start`."""

    received: int = 0
    first_ns: int = 0
    last_ns: int = 0
    latencies: array = field(default_factory=lambda: array("q"))  # type: ignore[type-arg]
    closes: dict[int, int] = field(default_factory=dict)


def masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    body = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")
    return header + mask + body


class RawClient(asyncio.Protocol):
    """One websocket connection: handshake, then frame parsing with minimal work."""

    def __init__(self, stats: Stats, request: bytes, ready: asyncio.Future[bool]) -> None:
        self.stats = stats
        self.request = request
        self.ready = ready
        self.buf = bytearray()
        self.upgraded = False
        self.transport: asyncio.Transport | None = None
        self.app_sent: collections.deque[int] = collections.deque()  # app pings in flight
        self.app_rtts: list[int] = []
        self.proto_rtts: list[int] = []  # protocol ping round trips
        self.presence_frames = 0
        self.online = -1  # the count of the last presence frame
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but speak the same API.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_result(False)

    def send_text(self, text: str) -> None:
        """A masked text frame."""
        if self.transport is not None and not self.closed:
            self.transport.write(masked(0x1, text.encode()))

    def ping(self) -> None:
        """A protocol ping carrying the send time."""
        if self.transport is not None and not self.closed:
            self.transport.write(masked(0x9, str(time.monotonic_ns()).encode()))

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            ok = buf.startswith(b"HTTP/1.1 101")
            del buf[: end + 4]
            self.upgraded = True
            self.ready.set_result(ok)
            if not ok and self.transport is not None:
                self.transport.close()
                return
        pos, size = 0, len(buf)
        stats = self.stats
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n, head = b1 & 0x7F, 2
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
            op = b0 & 0x0F
            if op == 0x1:
                if buf.find(CHAT, start, min(end, start + 20)) >= 0:
                    now = time.monotonic_ns()
                    stats.received += 1
                    if not stats.first_ns:
                        stats.first_ns = now
                    stats.last_ns = now
                    i = buf.find(TEXT, start, end)
                    if i >= 0:
                        j = buf.find(b":", i + 8, end)
                        stats.latencies.append(now - int(buf[i + 8 : j]))
                elif buf.find(_PONG, start, end) >= 0 and self.app_sent:
                    self.app_rtts.append(time.monotonic_ns() - self.app_sent.popleft())
                elif buf.find(PRESENCE, start, min(end, start + 24)) >= 0:
                    self.presence_frames += 1
                    i = buf.rfind(COUNT, start, end)
                    if i >= 0:
                        digits = bytes(buf[i + 8 : end]).partition(b"}")[0].partition(b",")[0]
                        self.online = int(digits)
            elif op == 0x9 and self.transport is not None:
                self.transport.write(masked(0xA, bytes(buf[start:end])))
            elif op == 0xA:
                self.proto_rtts.append(time.monotonic_ns() - int(buf[start:end]))
            elif op == 0x8:
                code = int.from_bytes(buf[start : start + 2], "big") if n >= 2 else 1005
                stats.closes[code] = stats.closes.get(code, 0) + 1
                if self.transport is not None:
                    self.transport.write(masked(0x8, bytes(buf[start : start + 2])))
                    self.transport.close()
            pos = end
        if pos:
            del buf[:pos]


async def connect(
    stats: Stats, port: int, path: str, headers: dict[str, str], *, rcvbuf: int = 0
) -> RawClient | None:
    """Open one websocket to 127.0.0.1:port; None when the server refuses the upgrade."""
    loop = asyncio.get_running_loop()
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    ready: asyncio.Future[bool] = loop.create_future()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        # A tiny receive window: a client that stops reading backs up onto the server fast.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    _, proto = await loop.create_connection(lambda: RawClient(stats, request, ready), sock=sock)
    if not await asyncio.wait_for(ready, 30):
        return None
    return proto


class Worker:
    """The commands a worker process runs for the orchestrator."""

    def __init__(self) -> None:
        self.stats = Stats()
        self.groups: dict[str, list[RawClient]] = {}
        self.probe: asyncio.Task[dict[str, Any]] | None = None

    async def cmd_connect(
        self, group: str, targets: list[tuple[int, str, dict[str, str]]], rcvbuf: int = 0
    ) -> dict[str, Any]:
        sem = asyncio.Semaphore(64)

        async def one(port: int, path: str, headers: dict[str, str]) -> RawClient | None:
            async with sem:
                return await connect(self.stats, port, path, headers, rcvbuf=rcvbuf)

        made = await asyncio.gather(*(one(*t) for t in targets))
        clients = [c for c in made if c is not None]
        self.groups.setdefault(group, []).extend(clients)
        return {"connected": len(clients), "refused": len(made) - len(clients)}

    async def cmd_start(self) -> dict[str, Any]:
        self.stats = Stats(closes=self.stats.closes)
        for clients in self.groups.values():
            for c in clients:
                c.stats = self.stats
        return {}

    async def cmd_send(
        self, group: str, per_second: float, seconds: float, pad: int = 0
    ) -> dict[str, Any]:
        senders = [c for c in self.groups.get(group, []) if not c.closed]
        interval, sent, filler = 1.0 / per_second, 0, ":" + "x" * pad if pad else ""
        start = time.monotonic()
        while (now := time.monotonic()) < start + seconds:
            due = int((now - start) / interval) + 1
            while sent < due:
                sender = senders[sent % len(senders)]
                sender.send_text(
                    json.dumps({"type": "chat", "text": f"{time.monotonic_ns()}:{sent}{filler}"})
                )
                sent += 1
            await asyncio.sleep(max(0.0, start + due * interval - time.monotonic()))
        return {"sent": sent}

    async def cmd_burst(self, group: str) -> dict[str, Any]:
        """Every client of the group sends one chat message now."""
        senders = [c for c in self.groups.get(group, []) if not c.closed]
        for i, sender in enumerate(senders):
            sender.send_text(json.dumps({"type": "chat", "text": f"{time.monotonic_ns()}:{i}"}))
        return {"sent": len(senders)}

    async def cmd_presence(self, group: str, reset: bool = False) -> dict[str, Any]:
        """Presence frames each client of the group got (and the count the last one said)."""
        clients = self.groups.get(group, [])
        frames = [c.presence_frames for c in clients]
        online = [c.online for c in clients]
        if reset:
            for c in clients:
                c.presence_frames = 0
        return {"frames": frames, "online": online}

    async def cmd_pause(self, group: str, resume: bool = False) -> dict[str, Any]:
        for c in self.groups.get(group, []):
            if c.transport is not None and not c.closed:
                if resume:
                    c.transport.resume_reading()
                else:
                    c.transport.pause_reading()
        return {}

    async def cmd_probe_start(self, group: str, seconds: float) -> dict[str, Any]:
        self.probe = asyncio.create_task(self.probe_run(group, seconds))
        return {}

    async def cmd_probe_result(self) -> dict[str, Any]:
        assert self.probe is not None
        return await self.probe

    async def probe_run(self, group: str, seconds: float) -> dict[str, Any]:
        """App pings (`{"type":"ping"}` -> pong) and protocol pings, 5 a second each."""
        clients = self.groups.get(group, [])
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for c in clients:
                c.app_sent.append(time.monotonic_ns())
                c.send_text('{"type":"ping"}')
                c.ping()
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)
        app_rtt = [t for c in clients for t in c.app_rtts]
        proto = [t for c in clients for t in c.proto_rtts]
        return {"app_rtt": app_rtt, "proto_rtt": proto, "alive": sum(not c.closed for c in clients)}

    async def cmd_count(self) -> dict[str, Any]:
        return {"received": self.stats.received}

    async def cmd_stop(self) -> dict[str, Any]:
        s = self.stats
        return {
            "received": s.received,
            "first_ns": s.first_ns,
            "last_ns": s.last_ns,
            "latencies": s.latencies.tobytes(),
            "closes": s.closes,
            "open": {g: sum(not c.closed for c in cs) for g, cs in self.groups.items()},
        }

    async def cmd_close(self, group: str | None = None) -> dict[str, Any]:
        """Abort every client (or only those of `group`)."""
        names = list(self.groups) if group is None else [group]
        for name in names:
            for c in self.groups.pop(name, []):
                if c.transport is not None:
                    c.transport.abort()
        if group is None:
            self.stats = Stats()
        await asyncio.sleep(0.2)
        return {}


async def _serve(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    worker = Worker()
    while True:
        name, kwargs = await loop.run_in_executor(None, conn.recv)
        if name == "exit":
            return
        conn.send(await getattr(worker, f"cmd_{name}")(**kwargs))


def _uvloop() -> Any:
    # Imported by name: uvloop is optional, and type checkers may not have it.
    try:
        return importlib.import_module("uvloop")
    except ImportError:
        return None


def client_loop() -> str:
    """uvloop when installed: the clients' own event-loop overhead stays out of the way."""
    return "uvloop" if _uvloop() is not None else "asyncio"


def worker_main(conn: Connection) -> None:
    """Entry point of a client worker process."""
    uvloop = _uvloop()
    if uvloop is not None:
        uvloop.run(_serve(conn))
    else:
        asyncio.run(_serve(conn))
