"""Real multi-process hub clusters: N `python run.py` processes on one MariaDB, Redis and simulator.

Used by the cluster and fault tests (through the `cluster_factory` fixture) and by scripts/cluster.
Every process runs in its own session, so teardown can kill it and anything it started, even when a
test fails half-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers import MariaDB, Redis, free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "cluster-admin-token-0123456789"
SECRET_KEY = "cluster-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SIM_CREDENTIALS = {
    "HUB_WECHAT_APPID": "wxdemo0000000001",
    "HUB_WECHAT_SECRET": "demo-mp-secret-0000000000000000",
    "HUB_WECOM_CORPID": "wwdemo0000000001",
    "HUB_WECOM_SECRET": "demo-wecom-secret-000000000000000",
    "HUB_WECOM_AGENTID": "1000002",
}


def http_json(
    url: str,
    method: str = "GET",
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """A blocking JSON request (for fixtures and scripts, outside any event loop)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


@dataclass
class Proc:
    """One child process (hub or simulator) with its log file."""

    name: str
    port: int
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def spawn(self, argv: list[str], env: Mapping[str, str]) -> None:
        """Start the process in a session of its own, output to the log file."""
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, path: str = "/healthz", timeout: float = 30.0) -> None:
        """Poll until `path` answers 200; raise with the log tail if the process dies or stalls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited early:\n{self.tail()}")
            try:
                status, _ = http_json(self.url + path, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready in {timeout} s:\n{self.tail()}")

    def signal(self, sig: int) -> None:
        """Send `sig` to the process (not its group: a graceful stop is the process's own)."""
        if self.alive and self.popen is not None:
            self.popen.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL the process and its whole session; wait for it."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode

    def tail(self, chars: int = 3000) -> str:
        """The end of the process's log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Cluster:
    """A simulator process and N hub processes sharing one database and one Redis."""

    root: Path
    database_url: str
    redis_url: str
    size: int = 3
    env: dict[str, str] = field(default_factory=dict)
    sim_rooms: int = 0
    prefix: str = field(default_factory=lambda: f"c{secrets.token_hex(4)}:")
    sim: Proc | None = None
    hubs: list[Proc] = field(default_factory=list)

    @property
    def sim_url(self) -> str:
        assert self.sim is not None
        return self.sim.url

    @property
    def urls(self) -> list[str]:
        return [h.url for h in self.hubs]

    def hub_env(self, index: int, port: int) -> dict[str, str]:
        """The environment of hub process `index`: all share the database, Redis and simulator."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        first = self.hubs[0].port if self.hubs else port
        env.update(SIM_CREDENTIALS)
        env.update(
            {
                "HUB_HOST": "127.0.0.1",
                "HUB_PORT": str(port),
                "HUB_DATA_DIR": str(self.root / f"hub{index}"),
                "HUB_DATABASE_URL": self.database_url,
                "HUB_REDIS_URL": self.redis_url,
                "HUB_REDIS_PREFIX": self.prefix,
                # One public name for all, as behind a load balancer: cookies and Origin match.
                "HUB_PUBLIC_URL": f"http://127.0.0.1:{first}",
                "HUB_SECRET_KEY": SECRET_KEY,
                "HUB_ADMIN_TOKEN": ADMIN_TOKEN,
                "HUB_DEMO": "0",
                "HUB_WECHAT_API_BASE": self.sim_url,
                "HUB_WECOM_API_BASE": self.sim_url,
                "HUB_WECOM_OAUTH_BASE": self.sim_url,
                "HUB_LEADER_TTL": "3",
                "HUB_LIVE_SYNC": "0",
                "HUB_LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        return env

    def start_sim(self) -> None:
        """Start the simulator process alone (`python run.py simulate`)."""
        port = free_port()
        self.sim = Proc("simulator", port, self.root / "simulator.log")
        argv = [sys.executable, "run.py", "simulate", "--port", str(port)]
        argv += ["--rooms", str(self.sim_rooms), "--seed", "1"]
        self.sim.spawn(argv, {k: v for k, v in os.environ.items() if not k.startswith("HUB_")})
        self.sim.wait_ready("/_sim/state")

    def add_hub(self, *, wait: bool = True) -> Proc:
        """Start one more hub process and (by default) wait until it serves."""
        index = len(self.hubs)
        port = free_port()
        proc = Proc(f"hub{index}", port, self.root / f"hub{index}.log")
        env = self.hub_env(index, port)
        self.hubs.append(proc)
        proc.spawn([sys.executable, "run.py", "serve"], env)
        if wait:
            proc.wait_ready("/readyz")
        return proc

    def restart_hub(self, index: int) -> Proc:
        """Start hub `index` again on its port after it stopped or was killed."""
        proc = self.hubs[index]
        proc.kill()
        proc.spawn([sys.executable, "run.py", "serve"], self.hub_env(index, proc.port))
        proc.wait_ready("/readyz")
        return proc

    def start(self) -> Cluster:
        """Simulator first, then the first hub (it migrates), then the others in parallel."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.start_sim()
        self.add_hub()
        rest = [self.add_hub(wait=False) for _ in range(self.size - 1)]
        for proc in rest:
            proc.wait_ready("/readyz")
        return self

    def sim_state(self) -> dict[str, Any]:
        """The simulator's counters and rooms."""
        status, body = http_json(self.sim_url + "/_sim/state")
        assert status == 200, body
        state: dict[str, Any] = body
        return state

    def sim_post(self, path: str, body: Any) -> Any:
        """POST a test hook of the simulator (rooms, faults, clock, reset)."""
        status, answer = http_json(self.sim_url + path, "POST", body)
        assert status < 300, answer
        return answer

    def close(self) -> None:
        """Kill every hub and the simulator, whatever state they are in."""
        for proc in self.hubs:
            proc.kill()
        if self.sim is not None:
            self.sim.kill()

    def logs(self) -> str:
        """The tails of every log, for a failing test's report."""
        procs = [*self.hubs, *([self.sim] if self.sim else [])]
        return "\n".join(f"--- {p.name} ---\n{p.tail()}" for p in procs)


ClusterFactory = Callable[..., Cluster]


@pytest.fixture
def cluster_factory(
    mariadb: MariaDB, redis_server: Redis, tmp_path: Path
) -> Iterator[ClusterFactory]:
    """Start clusters on a fresh database of the session's MariaDB; kill all at teardown."""
    made: list[Cluster] = []
    databases: list[tuple[MariaDB, str]] = []

    def make(
        size: int = 3,
        *,
        env: Mapping[str, str] | None = None,
        sim_rooms: int = 0,
        db_server: MariaDB | None = None,
        redis: Redis | None = None,
    ) -> Cluster:
        server = db_server or mariadb
        name = f"hub_c_{secrets.token_hex(5)}"
        server.sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        databases.append((server, name))
        cluster = Cluster(
            root=tmp_path / f"cluster{len(made)}",
            database_url=server.url(name),
            redis_url=(redis or redis_server).url(),
            size=size,
            env=dict(env or {}),
            sim_rooms=sim_rooms,
        )
        made.append(cluster)
        return cluster.start()

    try:
        yield make
    finally:
        for cluster in made:
            cluster.close()
            # pytest shows captured teardown output only when the test failed: the logs say why.
            print(cluster.logs(), file=sys.stderr)
        for server, name in databases:
            if server.proc is not None and server.proc.poll() is None:
                with contextlib.suppress(subprocess.CalledProcessError):
                    server.sql(f"DROP DATABASE IF EXISTS {name}")
