"""Start, stop and restart real MariaDB and Redis servers on free ports in temporary folders.

Used by the pytest session (when HUB_TEST_MYSQL_URL / HUB_TEST_REDIS_URL are not given),
by the fault tests that restart a server mid-test, and by scripts/cluster.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start in {timeout} s; see {log}")


def _base_dir() -> Path:
    # tmpfs keeps MariaDB's fsyncs cheap; fall back to /tmp where /dev/shm is missing.
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="hub-test-", dir=shm if shm.is_dir() else None))


class _Server:
    """A child server process in its own temporary folder."""

    root: Path
    proc: subprocess.Popen[bytes] | None

    def start(self) -> _Server:
        raise NotImplementedError

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server (TERM, then KILL after 30 s)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Stop and start on the same port and data: every client connection breaks."""
        self.stop()
        self.start()

    def destroy(self) -> None:
        """Stop and remove the folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class MariaDB(_Server):
    """A throwaway MariaDB server: root over the socket, user `hub` (password `hub`) over TCP."""

    root: Path = field(default_factory=_base_dir)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.root / "mysqld.sock"

    def url(self, database: str = "hub_test") -> str:
        return f"mysql://hub:hub@127.0.0.1:{self.port}/{database}"

    def admin_url(self) -> str:
        return self.url("mysql")

    def start(self) -> MariaDB:
        data = self.root / "data"
        if not data.exists():
            subprocess.run(
                [
                    "mariadb-install-db",
                    f"--datadir={data}",
                    "--user=root",
                    "--auth-root-authentication-method=socket",
                    "--skip-test-db",
                ],
                check=True,
                capture_output=True,
            )
            first = True
        else:
            first = False
        log = self.root / "mysqld.log"
        self.proc = subprocess.Popen(
            [
                "mariadbd",
                "--no-defaults",
                f"--datadir={data}",
                f"--socket={self.socket}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                "--user=root",
                f"--log-error={log}",
                f"--pid-file={self.root / 'mysqld.pid'}",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=128M",
                "--innodb-log-file-size=48M",
                "--innodb-flush-log-at-trx-commit=2",
                "--innodb-doublewrite=0",
                "--max-connections=500",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, 60, self.proc, log)
        if first:
            self.sql(
                "CREATE USER 'hub'@'127.0.0.1' IDENTIFIED BY 'hub';"
                "GRANT ALL PRIVILEGES ON *.* TO 'hub'@'127.0.0.1' WITH GRANT OPTION;"
                "CREATE DATABASE hub_test CHARACTER SET utf8mb4;"
            )
        return self

    def sql(self, statements: str) -> str:
        """Run SQL as root over the socket."""
        out = subprocess.run(
            ["mariadb", f"--socket={self.socket}", "-uroot", "-N", "-e", statements],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout


@dataclass
class Redis(_Server):
    """A throwaway Redis server with persistence off."""

    root: Path = field(default_factory=_base_dir)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    # With a primary's port, this server starts as its replica (for Sentinel failovers).
    replica_of: int | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> Redis:
        log = self.root / "redis.log"
        replica = ["--replicaof", "127.0.0.1", str(self.replica_of)] if self.replica_of else []
        self.proc = subprocess.Popen(
            [
                "redis-server",
                *replica,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(log),
                "--maxclients",
                "2000",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, 20, self.proc, log)
        return self


@dataclass
class Sentinel(_Server):
    """A Redis Sentinel watching one primary as `service` (quorum 1, quick failover)."""

    primary_port: int
    service: str = "hubmaster"
    root: Path = field(default_factory=_base_dir)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{self.service}/{db}"

    def start(self) -> Sentinel:
        log = self.root / "sentinel.log"
        conf = self.root / "sentinel.conf"  # Sentinel rewrites its own config: it must be a file
        conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.root}\nlogfile {log}\n"
            f"sentinel monitor {self.service} 127.0.0.1 {self.primary_port} 1\n"
            f"sentinel down-after-milliseconds {self.service} 1500\n"
            f"sentinel failover-timeout {self.service} 5000\n"
            f"sentinel parallel-syncs {self.service} 1\n"
        )
        self.proc = subprocess.Popen(
            ["redis-server", str(conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, 20, self.proc, log)
        return self


def have_mariadb() -> bool:
    """Both the server and the install script are on PATH (or in /usr/sbin)."""
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return bool(shutil.which("mariadbd") and shutil.which("mariadb-install-db"))


def have_redis() -> bool:
    return shutil.which("redis-server") is not None
