"""Per-connection limits: a token bucket for incoming frames."""

from __future__ import annotations

import time

RATE = 10.0
BURST = 20.0
# Frames refused in a row before the connection is closed (1008): one burst's worth.
MAX_STRIKES = 20


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
