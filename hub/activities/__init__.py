"""Activity kinds, registered once: the routes, the meeting JSON, the CSV export and the page
config all iterate `KINDS`. A new kind is its module plus one line here (docs/extending.md)."""

from __future__ import annotations

from typing import Any

from hub.activities.kind import ActivityKind, Json
from hub.activities.lottery import LOTTERY
from hub.activities.poll import POLL
from hub.activities.rating import RATING
from hub.activities.redpacket import REDPACKET
from hub.storage.database import Executor

KINDS: tuple[ActivityKind[Any, Any], ...] = (
    POLL,
    LOTTERY,
    RATING,
    REDPACKET,
)


async def activities_json(ex: Executor, meeting_id: int, viewer_id: int) -> dict[str, list[Json]]:
    """Every activity of the meeting with current results, as `viewer_id` sees them, by plural."""
    return {kind.plural: await kind.listing(ex, meeting_id, viewer_id) for kind in KINDS}


__all__ = ["KINDS", "ActivityKind", "activities_json"]
