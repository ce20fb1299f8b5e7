"""Shared fixtures: real MariaDB and Redis for the session, per-test databases and prefixes."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from hub.app import create_app
from hub.cache import Cache, open_cache
from hub.clock import Clock
from hub.settings import Settings
from hub.storage import Database, open_database
from hub.storage.migrations import migrate
from tests.servers import MariaDB, Redis, have_mariadb, have_redis

# Fixtures shared by many test modules, registered once here instead of imported into each.
# A module's imports come before the module itself: a plugin already imported cannot get
# pytest's assertion rewriting.
pytest_plugins = [
    "tests.helpers_auth",
    "tests.fixtures_sim",
    "tests.fixtures_activities",
    "tests.fixtures_browser",
    "tests.fixtures_live",
    "tests.fixtures_realtime",
    "tests.fixtures_wechat",
    "tests.cluster",
    "tests.fixtures_ops",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Escape lone surrogates in a report's captured output and logs.

    xdist sends reports from worker to controller as UTF-8, which a lone surrogate cannot be; the
    log-forging tests write one on purpose, and the whole session would stop on it.
    """
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    report.sections = [
        (title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
        for title, text in report.sections
    ]


ADMIN_TOKEN = "test-admin-token-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"

# scripts/test sets this: there, a missing server is a failure, never a silent skip.
REQUIRE_SERVERS = os.environ.get("HUB_TEST_REQUIRE_SERVERS") == "1"


def _need(what: str) -> None:
    if REQUIRE_SERVERS:
        pytest.fail(f"{what} is required (HUB_TEST_REQUIRE_SERVERS=1) but is not installed")
    pytest.skip(f"{what} is not installed; run scripts/test")


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDB]:
    """One MariaDB server for the whole session, in a temporary folder."""
    if not have_mariadb():
        _need("MariaDB")
    server = MariaDB().start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    """One Redis server for the whole session."""
    if not have_redis():
        _need("Redis")
    server = Redis().start()
    yield server
    server.destroy()


@pytest.fixture
async def mysql_url(mariadb: MariaDB) -> AsyncIterator[str]:
    """A fresh, empty database on the session's MariaDB, dropped afterwards."""
    name = f"hub_t_{secrets.token_hex(6)}"
    mariadb.sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    yield mariadb.url(name)
    mariadb.sql(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(params=["sqlite", "mysql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite and on MariaDB."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    url: str = request.getfixturevalue("mysql_url")
    return url


@contextlib.asynccontextmanager
async def _migrated(url: str) -> AsyncIterator[Database]:
    database = await open_database(url)
    await migrate(database)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """An open, migrated database of the current backend."""
    async with _migrated(db_url) as database:
        yield database


@pytest.fixture
async def mysql_db(mysql_url: str) -> AsyncIterator[Database]:
    """An open, migrated MariaDB database, for tests of what only row locks show."""
    async with _migrated(mysql_url) as database:
        yield database


@pytest.fixture
def redis_url(redis_server: Redis) -> str:
    """The session's Redis (tests isolate themselves with a unique key prefix)."""
    return redis_server.url()


@pytest.fixture(params=["memory", "redis"])
def cache_url(request: pytest.FixtureRequest) -> str | None:
    """Each cache test runs in-process and on Redis."""
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
def prefix() -> str:
    """A key and channel prefix no other test shares."""
    return f"t{secrets.token_hex(4)}:"


@pytest.fixture
async def cache(cache_url: str | None, prefix: str) -> AsyncIterator[Cache]:
    """An open cache of the current backend."""
    c = await open_cache(cache_url, prefix)
    yield c
    await c.close()


@pytest.fixture
def make_settings(tmp_path: Path, prefix: str) -> Callable[..., Settings]:
    """Settings for a test app: SQLite in tmp_path, in-process cache, not demo, fixed secrets."""

    def make(**overrides: Any) -> Settings:
        base = Settings(
            data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'hub.db'}",
            redis_prefix=prefix,
            secret_key=SECRET_KEY,
            admin_token=ADMIN_TOKEN,
            demo=False,
            live_sync_enabled=False,
            public_url="http://127.0.0.1:8080",
        )
        return dataclasses.replace(base, **overrides)

    return make


class AppClient(Protocol):
    """The `hub_client` fixture: start a hub app with these settings, answer a test client."""

    async def __call__(
        self, settings: Settings, clock: Clock | None = None
    ) -> TestClient[web.Request, web.Application]: ...


@pytest.fixture
def hub_client(aiohttp_client: AiohttpClient) -> AppClient:
    """Start a hub app on a real port and return a test client for it."""

    async def make(
        settings: Settings, clock: Clock | None = None
    ) -> TestClient[web.Request, web.Application]:
        return await aiohttp_client(create_app(settings, clock=clock))

    return make


# --- No secret in any log line (issue 3) ------------------------------------------------------
# Every test runs with hub's loggers at DEBUG; afterwards no captured line may hold a known
# secret or an unmasked credential query parameter. Loggers under "hub.test" are exempt: tests
# use them to feed secrets to the masking formatter on purpose.
_UNMASKED = (
    r"(?i)(\b(access_token|refresh_token|corpsecret|secret|js_code|session_key)=(?!\*\*\*)"
    r"[^&\s\"'#]+"
    r"|\"(access_token|refresh_token|corpsecret|secret|session_key)\"\s*:\s*\"(?!\*\*\*)[^\"]+\")"
)


@pytest.fixture(autouse=True)
def _no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test when a captured log line carries a secret or an access token."""
    import logging
    import re

    from hub.logs import mask_secrets
    from hub.simulator import SimConfig

    caplog.set_level(logging.DEBUG, logger="hub")
    yield
    sim = SimConfig()
    known = (sim.secret, sim.corpsecret, sim.oa_secret, ADMIN_TOKEN, SECRET_KEY)
    formatter = logging.Formatter("%(name)s %(message)s")
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):
            if record.name == "hub.test" or record.name.startswith("hub.test."):
                continue
            line = formatter.format(record)
            leaked = [s for s in known if s in line]
            if leaked or re.search(_UNMASKED, line):
                shown = mask_secrets(line, known)[:300]
                pytest.fail(f"a log line leaks a secret or token (masked here): {shown!r}")
