"""Access tokens: mint, supersede with a 5-minute grace, expire, and check."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

# A superseded token keeps working this long, as WeChat documents for /cgi-bin/token.
GRACE = 300
# Keep this many records per family, so a long-running demo does not grow without bound.
MAX_RECORDS = 2000

Family = Literal["mp", "stable", "wecom"]


@dataclass
class TokenRecord:
    """One issued token and its lifetime on the simulator clock."""

    token: str
    family: Family
    issued: float
    expires: float
    superseded: float | None = None


def new_token() -> str:
    """Return a random token about as long as WeChat's (136+ characters)."""
    return secrets.token_urlsafe(108)


class TokenStore:
    """All tokens of the simulator, keyed by their text."""

    def __init__(self, ttl: int) -> None:
        self.ttl = ttl
        self.records: dict[str, TokenRecord] = {}
        self.current: dict[Family, TokenRecord] = {}

    def mint(self, family: Family, now: float) -> TokenRecord:
        """Issue a new token of family; the previous one enters its grace period."""
        previous = self.current.get(family)
        if previous is not None and previous.superseded is None:
            previous.superseded = now
        record = TokenRecord(new_token(), family, now, now + self.ttl)
        self.records[record.token] = record
        self.current[family] = record
        self._prune(family)
        return record

    def current_valid(self, family: Family, now: float) -> TokenRecord | None:
        """Return the family's newest token if it has not expired yet."""
        record = self.current.get(family)
        if record is None or now >= record.expires:
            return None
        return record

    def check(self, token: str | None, families: tuple[Family, ...], now: float) -> int:
        """Return 0 when token is usable, else the errcode WeChat would answer."""
        if not token:
            return 41001
        record = self.records.get(token)
        if record is None or record.family not in families:
            return 40014
        # A token past its grace is "not latest" even if it would also be expired by now:
        # that is the answer the SDK trackers report for superseded tokens.
        if record.superseded is not None and now >= record.superseded + GRACE:
            return 40001
        if now >= record.expires:
            return 42001
        return 0

    def _prune(self, family: Family) -> None:
        same = [t for t, r in self.records.items() if r.family == family]
        for token in same[: max(0, len(same) - MAX_RECORDS)]:
            del self.records[token]
