"""Bench plumbing: server processes, client worker processes, and people signed in for real.

Every bench user signs in through the WeCom flow (hub's /auth/login, the simulator's authorize
page, hub's callback), so each websocket carries a genuine session cookie and goes through the
real handler's Origin, session and attendee checks.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from bench.ws_clients import worker_main
from hub.simulator import RunningSimulator, SimConfig, start_simulator
from hub.storage import open_database
from hub.storage.meetings import create_meeting, join_meeting
from hub.storage.migrations import migrate
from hub.storage.users import get_user_by_userid

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "http://hub.bench.local"
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
ADMIN_TOKEN = "bench-admin-token-0123456789"


class Server:
    """A server in its own process, logging to a file; ready once its port accepts."""

    def __init__(self, cmd: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.cmd, self.env, self.port, self.log = cmd, env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server process id."""
        assert self.proc is not None
        return self.proc.pid

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            return subprocess.Popen(
                self.cmd, env={**os.environ, **self.env}, cwd=ROOT, stdout=out, stderr=out
            )

    async def start(self) -> None:
        """Spawn and wait until the port accepts connections."""
        self.proc = self._spawn()
        # Whatever happens to the bench, no server outlives it.
        atexit.register(self.stop)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                await asyncio.sleep(0.1)
        raise RuntimeError(f"server on port {self.port} did not start")

    def stop(self) -> None:
        """Terminate (the hub closes its clients with 1001) and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Workers:
    """Client worker processes, each driven over its own pipe, one command at a time."""

    def __init__(self, count: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        self.locks = [asyncio.Lock() for _ in range(count)]
        for _ in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child,), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        """The worker process ids."""
        return [int(p.pid) for p in self.procs]

    def _roundtrip(self, i: int, name: str, kwargs: dict[str, Any]) -> Any:
        self.pipes[i].send((name, kwargs))
        return self.pipes[i].recv()

    async def call(self, i: int, name: str, **kwargs: Any) -> Any:
        """Run one command on worker i."""
        async with self.locks[i]:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, self._roundtrip, i, name, kwargs)

    async def all(self, name: str, **kwargs: Any) -> list[Any]:
        """Run the same command on every worker."""
        return list(
            await asyncio.gather(*(self.call(i, name, **kwargs) for i in range(len(self.pipes))))
        )

    def close(self) -> None:
        """Stop the workers."""
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("exit", {}))
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()


@dataclass
class People:
    """Who takes part: session cookies by role, the meetings, and where the hubs keep state."""

    tmp: Path
    sim: RunningSimulator
    db_url: str
    receivers: list[str] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)
    room: str = ""
    other_room: str = ""


def hub_env(people: People, port: int, redis_url: str | None = None) -> dict[str, str]:
    """The environment of one `python run.py serve` hub process."""
    env = {
        "HUB_HOST": "127.0.0.1",
        "HUB_PORT": str(port),
        "HUB_DATA_DIR": str(people.tmp),
        "HUB_DATABASE_URL": people.db_url,
        "HUB_PUBLIC_URL": PUBLIC_URL,
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_ADMIN_TOKEN": ADMIN_TOKEN,
        "HUB_DEMO": "0",
        "HUB_LIVE_SYNC": "0",
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_WECHAT_APPID": SimConfig.appid,
        "HUB_WECHAT_SECRET": SimConfig.secret,
        "HUB_WECOM_CORPID": SimConfig.corpid,
        "HUB_WECOM_SECRET": SimConfig.corpsecret,
        "HUB_WECOM_AGENTID": SimConfig.agentid,
        "HUB_WECHAT_API_BASE": people.sim.url,
        "HUB_WECOM_API_BASE": people.sim.url,
        "HUB_WECOM_OAUTH_BASE": people.sim.url,
    }
    if redis_url:
        env["HUB_REDIS_URL"] = redis_url
        env["HUB_REDIS_PREFIX"] = "bench:"
    return env


def traced_file(tmp: Path, port: int) -> Path:
    """Where the server on `port` writes its traced bytes (bench/traced.py)."""
    return tmp / f"traced-{port}.txt"


def hub_server(
    people: People, port: int, redis_url: str | None = None, settings: dict[str, str] | None = None
) -> Server:
    """A hub process on `port`, under bench/traced.py (tracing stays off until asked), with
    `settings` (HUB_* variables) over the bench's own."""
    log = people.tmp / f"hub-{port}.log"
    env = {
        **hub_env(people, port, redis_url),
        "BENCH_TRACED_FILE": str(traced_file(people.tmp, port)),
        **(settings or {}),
    }
    cmd = [sys.executable, "-m", "bench.traced", "run.py", "serve"]
    return Server(cmd, env, port, log)


async def _login(http: aiohttp.ClientSession, base: str, userid: str) -> str:
    """Sign in through the WeCom flow; returns the session cookie's value."""
    resp = await http.get(f"{base}/auth/login?next=/", allow_redirects=False)
    state_cookie = resp.cookies["hub_session"].value
    authorize = resp.headers["Location"].partition("#")[0] + "&userid=" + userid
    approved = await http.get(authorize, allow_redirects=False)
    callback = URL(approved.headers["Location"]).relative()
    headers = {"Cookie": f"hub_session={state_cookie}"}
    done = await http.get(f"{base}{callback}", headers=headers, allow_redirects=False)
    assert done.status == 302, await done.text()
    return done.cookies["hub_session"].value


async def prepare_people(tmp: Path, receivers: int, senders: int, probes: int) -> People:
    """Sign everyone in through a hub, then put them in two meetings (storage, for speed)."""
    sim = await start_simulator(SimConfig(rooms=0))
    people = People(tmp, sim, f"sqlite:///{tmp / 'hub.db'}")
    port = _free_port()
    server = hub_server(people, port)
    await server.start()
    names = {"r": receivers, "s": senders, "p": probes}
    cookies: dict[str, list[str]] = {}
    try:
        jar = aiohttp.DummyCookieJar()
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            sem = asyncio.Semaphore(16)

            async def one(userid: str) -> str:
                async with sem:
                    return await _login(http, f"http://127.0.0.1:{port}", userid)

            for role, n in names.items():
                cookies[role] = await asyncio.gather(*(one(f"{role}{i:04d}") for i in range(n)))
    finally:
        server.stop()
    people.receivers, people.senders, people.probes = cookies["r"], cookies["s"], cookies["p"]
    db = await open_database(people.db_url)
    try:
        await migrate(db)
        ids = {}
        for role, n in names.items():
            for i in range(n):
                user = await get_user_by_userid(db, f"{role}{i:04d}")
                assert user is not None
                ids[f"{role}{i:04d}"] = user.id
        now = time.time()
        async with db.transaction() as tx:
            room = await create_meeting(tx, 24680, "Bench", ids["s0000"], now)
            other = await create_meeting(tx, 13579, "Other", ids["p0000"], now)
        for userid, uid in ids.items():
            await join_meeting(db, other.id if userid[0] == "p" else room.id, uid, now)
    finally:
        await db.close()
    people.room, people.other_room = room.number, other.number
    return people


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
