"""Activity kinds, registered once: the routes, the meeting JSON, the CSV export and the page
config all iterate `KINDS`. A new kind is its module plus one line here (docs/extending.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.activities.checkin import CHECKIN
from hub.activities.kind import ActivityKind, Json
from hub.activities.lottery import LOTTERY
from hub.activities.poll import POLL
from hub.activities.question import QUESTION
from hub.activities.quiz import QUIZ
from hub.activities.rating import RATING
from hub.activities.redpacket import REDPACKET
from hub.activities.wordcloud import WORDCLOUD
from hub.storage.database import Executor

KINDS: tuple[ActivityKind[Any, Any], ...] = (
    POLL,
    LOTTERY,
    RATING,
    REDPACKET,
    WORDCLOUD,
    QUIZ,
    CHECKIN,
    QUESTION,
)


async def activities_json(ex: Executor, meeting_id: int, viewer_id: int) -> dict[str, list[Json]]:
    """Every activity of the meeting with current results, as `viewer_id` sees them, by plural."""
    return {kind.plural: await kind.listing(ex, meeting_id, viewer_id) for kind in KINDS}


# What a client holds: (kind name, activity id) -> the version it shows.
Versions = Mapping[tuple[str, int], int]


async def activities_since(
    ex: Executor, meeting_id: int, viewer_id: int, known: Versions
) -> tuple[dict[str, list[Json]], dict[tuple[str, int], int]]:
    """The catch-up read: the meeting's activities newer than `known` (or absent from it) as
    `viewer_id` sees them, by plural, and the version of every activity now.

    Versions rise with every committed change, so a client that applies these, and drops what
    it held that the versions no longer list (an unused activity the organizer deleted), holds
    what a fresh read would show.
    """
    changed: dict[str, list[Json]] = {}
    now: dict[tuple[str, int], int] = {}
    for kind in KINDS:
        found = await kind.listing(ex, meeting_id, viewer_id)
        changed[kind.plural] = [
            a for a in found if a["version"] > known.get((kind.name, a["id"]), -1)
        ]
        now.update({(kind.name, a["id"]): a["version"] for a in found})
    return changed, now


__all__ = ["KINDS", "ActivityKind", "Versions", "activities_json", "activities_since"]
