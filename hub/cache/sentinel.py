"""Redis behind Sentinel: `redis+sentinel://[:password@]host:port[,host:port...]/service[/db]`.

The sentinels name the current primary; every connection asks them where it is, so after a
failover new connections (and the subscriber's reconnect) reach the promoted replica. Options
ride in the query: `sentinel_password=` when the sentinels have one of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

SCHEME = "redis+sentinel://"
DEFAULT_PORT = 26379


class _BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """Sentinel's pool, waiting for a free connection in a burst instead of failing at once."""


@dataclass(frozen=True)
class SentinelURL:
    """The parts of a sentinel URL."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    password: str | None = field(default=None, repr=False)
    sentinel_password: str | None = field(default=None, repr=False)


def is_sentinel_url(url: str) -> bool:
    """True for a `redis+sentinel://` URL."""
    return url.startswith(SCHEME)


def parse_sentinel_url(url: str) -> SentinelURL:
    """Split a sentinel URL; ValueError naming what is wrong."""
    if not is_sentinel_url(url):
        raise ValueError(f"a sentinel URL starts with {SCHEME}")
    rest, _, query = url[len(SCHEME) :].partition("?")
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        hostpart, userinfo = rest, ""
    hosts, _, path = hostpart.partition("/")
    sentinels = []
    for item in hosts.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not colon:
            host, port = port, str(DEFAULT_PORT)
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"bad sentinel address {item!r}")
        sentinels.append((host, int(port)))
    parts = [p for p in path.split("/") if p]
    if not parts or len(parts) > 2:
        raise ValueError("name the service: redis+sentinel://host:port/SERVICE[/DB]")
    if len(parts) == 2 and not parts[1].isdigit():
        raise ValueError("the database after the service must be a number")
    password = unquote(userinfo.partition(":")[2]) if userinfo else None
    options = parse_qs(query)
    sentinel_password = options.get("sentinel_password", [None])[0]
    return SentinelURL(
        tuple(sentinels), parts[0], int(parts[1]) if len(parts) == 2 else 0,
        password or None, sentinel_password,
    )  # fmt: skip


def sentinel_client(url: str, **connection: Any) -> aioredis.Redis:
    """A client of the service's current primary, found through the sentinels."""
    parsed = parse_sentinel_url(url)
    sentinel_kwargs = {"socket_connect_timeout": connection.get("socket_connect_timeout", 3)}
    if parsed.sentinel_password:
        sentinel_kwargs["password"] = parsed.sentinel_password
    manager = Sentinel(list(parsed.sentinels), sentinel_kwargs=sentinel_kwargs)  # type: ignore[no-untyped-call]
    client: aioredis.Redis = manager.master_for(
        parsed.service,
        connection_pool_class=_BlockingSentinelPool,
        db=parsed.db,
        password=parsed.password,
        **connection,
    )
    return client
