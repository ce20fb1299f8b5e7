"""Benchmark /live/getRoomList on a demo hub against a bare aiohttp handler of the same page.

python bench/roomlist.py [--rooms 2000] [--seconds 10] [--connections 32]

Both servers run as their own processes, one at a time, with their default logging: the hub as
`python run.py serve` in demo mode (INFO logs and access log to a file), the bare handler as
`web.run_app` with a route that json.dumps the same page on every request. The load comes from
`wrk` when installed, else from an aiohttp client in this process. It prints requests/s for
plain GETs and for revalidations that answer 304 (the bare handler compares a fixed ETag), and
the ratio of hub to bare. The target is a ratio of at least 0.9 on plain GETs.

Without wrk, on a 2-core machine the Python load client is slower than either server: the
figures are then bounded by the client, and the ratio says only that hub keeps up with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
PAGE = "/live/getRoomList?pageNum=1&pageSize=10"
BARE_ETAG = '"bare-page"'


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_bare(port: int, page_file: str) -> None:
    """The baseline: one route that encodes the page on every request (and 304s a fixed tag)."""
    from aiohttp import web

    page = json.loads(Path(page_file).read_text())

    async def room_list(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == BARE_ETAG:
            return web.Response(status=304, headers={"ETag": BARE_ETAG})
        return web.json_response(page, dumps=lambda v: json.dumps(v, ensure_ascii=False))

    app = web.Application()
    app.router.add_get("/live/getRoomList", room_list)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


async def wait_for(url: str, rooms: int, within: float = 120.0) -> None:
    """Until the server answers and (for the hub) its demo sync has mirrored every room."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url + PAGE) as resp:
                    if resp.status == 200 and (await resp.json())["total_count"] >= rooms:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit(f"{url} did not serve {rooms} rooms within {within:.0f} s")


def load_wrk(url: str, seconds: int, connections: int, etag: str | None) -> float:
    """Requests/s measured by wrk (one thread: the machine's other core runs the server)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url]
    if etag:
        cmd[1:1] = ["-H", f"If-None-Match: {etag}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(found.group(1)) if found else 0.0


async def load_aiohttp(url: str, seconds: int, connections: int, etag: str | None) -> float:
    """Requests/s from `connections` keep-alive clients in this process."""
    headers = {"If-None-Match": etag} if etag else {}
    want = 304 if etag else 200
    done = 0
    deadline = time.perf_counter() + seconds

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            async with session.get(url, headers=headers) as resp:
                await resp.read()
                assert resp.status == want, resp.status
                done += 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        began = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(connections)))
        return done / (time.perf_counter() - began)


async def measure(url: str, args: argparse.Namespace, etag: str | None) -> float:
    """One load run with wrk if installed, else the aiohttp client."""
    if shutil.which("wrk"):
        return await asyncio.to_thread(load_wrk, url, args.seconds, args.connections, etag)
    return await load_aiohttp(url, args.seconds, args.connections, etag)


def hub_env(tmp: str, rooms: int, port: int) -> dict[str, str]:
    """A demo hub with its defaults, but its own data folder and room count."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DEMO="1",
        HUB_DEMO_ROOMS=str(rooms),
        HUB_DATA_DIR=tmp,
        HUB_PORT=str(port),
        HUB_LIVE_DAILY_QUOTA="100000",
    )
    return env


async def start_hub(tmp: str, rooms: int) -> tuple[asyncio.subprocess.Process, str]:
    """A demo hub as `run.py serve` starts it; its INFO logs and access log are written (and
    discarded), as a default hub writes them."""
    port = free_port()
    hub = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run.py"),
        "serve",
        env=hub_env(tmp, rooms, port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    await wait_for(url, rooms)
    return hub, url


async def start_bare(tmp: str, page: dict[str, Any]) -> tuple[asyncio.subprocess.Process, str]:
    """The bare handler, serving the page the hub served."""
    page_file = Path(tmp) / "page.json"
    page_file.write_text(json.dumps(page, ensure_ascii=False))
    port = free_port()
    bare = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--bare", str(port), str(page_file),
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    await wait_for(url, 0)
    return bare, url


async def main(args: argparse.Namespace) -> None:
    """Start both servers, load them in alternating rounds, print the best round of each."""
    loader = "wrk" if shutil.which("wrk") else f"aiohttp client ({args.connections} connections)"
    print(
        f"{args.rooms} demo rooms, {PAGE}, {args.rounds} alternating rounds of {args.seconds} s,"
        f" load from {loader}"
    )
    best: dict[tuple[str, str], float] = {}
    running: list[asyncio.subprocess.Process] = []
    with tempfile.TemporaryDirectory(prefix="hub-roomlist-") as tmp:
        try:
            hub, hub_url = await start_hub(tmp, args.rooms)
            running.append(hub)
            async with aiohttp.ClientSession() as session, session.get(hub_url + PAGE) as resp:
                page: dict[str, Any] = await resp.json()
                etag = resp.headers["ETag"]
            bare, bare_url = await start_bare(tmp, page)
            running.append(bare)
            # Alternating rounds, best of each: the machine's other load comes and goes.
            for _ in range(args.rounds):
                for name, url, tag in (("hub", hub_url, etag), ("bare", bare_url, BARE_ETAG)):
                    for kind, held in (("GET", None), ("304", tag)):
                        rate = await measure(url + PAGE, args, held)
                        best[name, kind] = max(best.get((name, kind), 0.0), rate)
        finally:
            for process in running:
                process.terminate()
                await process.wait()
    print(f"\n{'':<22}{'hub req/s':>12}{'bare req/s':>12}{'ratio':>8}")
    for kind, label in (("GET", "plain GET (200)"), ("304", "If-None-Match (304)")):
        h, b = best["hub", kind], best["bare", kind]
        print(f"{label:<22}{h:>12.0f}{b:>12.0f}{h / b:>8.2f}")
    print("\ntarget: ratio >= 0.90 on plain GETs (issue 17)")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bare":
        run_bare(int(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=2000, help="demo rooms (default 2000)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (best counts)")
    asyncio.run(main(parser.parse_args()))
