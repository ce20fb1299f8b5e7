"""Per-connection limits: a token bucket for incoming frames and the Origin check."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

RATE = 10.0
BURST = 20.0
# Frames refused in a row before the connection is closed (1008): one burst's worth.
MAX_STRIKES = 20

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class TokenBucket:
    """`rate` frames per second on average, `burst` at once."""

    __slots__ = ("burst", "rate", "stamp", "strikes", "tokens")

    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.strikes = 0

    def take(self) -> bool:
        """Spend one token; False (and one more strike) when none is left."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.strikes = 0
            return True
        self.strikes += 1
        return False

    @property
    def flooding(self) -> bool:
        """True once the client kept sending past the limit."""
        return self.strikes >= MAX_STRIKES


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lowercased, default port left out; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def same_origin(origin: str, public_url: str) -> bool:
    """True when the browser's Origin header names this hub (HUB_PUBLIC_URL)."""
    mine = origin_of(public_url)
    return mine is not None and origin_of(origin) == mine
