"""Wall-clock access in one place, so tests can move hub's idea of "now" without patching."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock:
    """Real time plus an offset that tests may advance (the simulator has the same knob)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        """Unix seconds."""
        return time.time() + self.offset

    def now(self) -> datetime:
        """The current UTC time as an aware datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    def beijing_date(self) -> date:
        """The calendar day in Beijing (UTC+8): WeChat's quota day."""
        return datetime.fromtimestamp(self.time(), BEIJING).date()

    def seconds_to_beijing_midnight(self) -> float:
        """Seconds left in the current Beijing day."""
        now = datetime.fromtimestamp(self.time(), BEIJING)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), BEIJING)
        return (midnight - now).total_seconds()

    def advance(self, seconds: float) -> None:
        """Move this clock forward (tests only)."""
        self.offset += seconds


def iso_ts(ts: float | None) -> str | None:
    """Unix seconds (how hub stores times) as ISO-8601 UTC with a `Z`."""
    return None if ts is None else iso(datetime.fromtimestamp(ts, UTC))


def iso(dt: datetime | None) -> str | None:
    """ISO-8601 UTC with a `Z`, the form every non-live time in the API takes."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
