"""deploy/nginx.conf passes `nginx -t` and keeps OAuth codes out of the access log (ops F6, F7).

The file is used as shipped; only what the docs tell an operator to change is changed: the
certificate paths and the log path (to this test's folder) and, for the live run, the ports.
"""

from __future__ import annotations

import asyncio
import datetime
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.settings import Settings
from tests.cluster import ROOT
from tests.conftest import AppClient
from tests.servers import free_port

SHIPPED = ROOT / "deploy" / "nginx.conf"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
CERT, KEY = "/etc/ssl/hub/fullchain.pem", "/etc/ssl/hub/privkey.pem"
LOG = "/var/log/nginx/hub.access.log"
CODE = "oauth-code-5f3c9a7e"
TICKET = "ws-ticket-1b2c3d"


def nginx() -> str:
    """The nginx binary (scripts/test installs it)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail("nginx is not installed; run scripts/test")
    return found


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for hub.example.com."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def replaced(text: str, changes: dict[str, str]) -> str:
    """`text` with each documented value changed; each must occur in the shipped file."""
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@dataclass
class Nginx:
    """An nginx with the shipped file included in its http block, in a folder of its own."""

    folder: Path
    site: str

    @property
    def main(self) -> Path:
        return self.folder / "nginx.conf"

    def write(self) -> None:
        (self.folder / "hub.conf").write_text(self.site)
        self.main.write_text(
            f"pid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/error.log;\n"
            "events {}\n"
            f"http {{ include {self.folder}/hub.conf; }}\n"
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [nginx(), "-p", str(self.folder), "-c", str(self.main), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )


@pytest.fixture
def site(tmp_path: Path) -> Callable[[dict[str, str]], Nginx]:
    """An nginx folder with the shipped file, certificate and log moved into it."""
    cert, key = self_signed(tmp_path)

    def make(more: dict[str, str]) -> Nginx:
        changes = {CERT: str(cert), KEY: str(key), LOG: str(tmp_path / "access.log"), **more}
        server = Nginx(tmp_path, replaced(SHIPPED.read_text(), changes))
        server.write()
        return server

    return make


def test_the_docs_show_the_shipped_file() -> None:
    assert SHIPPED.read_text().rstrip() in DEPLOY_DOC.read_text()


def test_nginx_accepts_the_shipped_file(site: Callable[[dict[str, str]], Nginx]) -> None:
    checked = site({}).run("-t")
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr


@pytest.fixture
def running(site: Callable[[dict[str, str]], Nginx], hub_port: int) -> Iterator[tuple[int, Path]]:
    """The shipped file live: nginx on free ports in front of one hub process."""
    http_port, https_port = free_port(), free_port()
    upstreams = {f"server 127.0.0.1:{p} max_fails=0;": "" for p in (8002, 8003)}
    server = site(
        {
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "server 127.0.0.1:8001 max_fails=0;": f"server 127.0.0.1:{hub_port} max_fails=0;",
            **upstreams,
        }
    )
    started = server.run()
    assert started.returncode == 0, started.stderr
    try:
        yield https_port, server.folder / "access.log"
    finally:
        server.run("-s", "stop")


@pytest.fixture
async def hub_port(hub_client: AppClient, make_settings: Callable[..., Settings]) -> int:
    """A hub on a real port (behind nginx its public URL is the https one)."""
    client = await hub_client(make_settings(public_url="https://hub.example.com"))
    port = client.port
    assert port is not None
    return port


async def test_oauth_codes_and_tickets_stay_out_of_the_access_log(
    running: tuple[int, Path],
) -> None:
    port, log = running
    base = f"https://127.0.0.1:{port}"
    paths = [
        f"/auth/callback?code={CODE}&state=s1",
        f"/auth/callback?state=s2&code={CODE}",
        f"/ws/meetings/12345?ticket={TICKET}",
        f"/s/{TICKET}",  # a screen link: its path is the credential
        "/healthz?plain=1",
    ]
    async with aiohttp.ClientSession() as session:
        for path in paths:
            headers = {"Host": "hub.example.com", "Referer": f"{base}/auth/callback?code={CODE}"}
            async with session.get(base + path, headers=headers, ssl=False) as resp:
                await resp.read()  # whatever hub answers a bogus code or ticket
        async with session.get(
            base + "/healthz", headers={"Host": "hub.example.com"}, ssl=False
        ) as resp:
            assert resp.status == 200  # proxied to hub
            request_id = resp.headers["X-Request-Id"]
    for _ in range(50):  # nginx writes the line after answering
        if log.exists() and request_id in log.read_text():
            break
        await asyncio.sleep(0.1)
    text = log.read_text()
    assert CODE not in text and TICKET not in text
    assert text.count("/auth/callback?(query hidden") == 2
    assert "/ws/meetings/12345?(query hidden" in text
    assert '"GET /s/*** ' in text
    assert "/healthz?plain=1" in text  # other queries are logged as they came
    assert request_id in text  # the same id as hub's own lines carry
