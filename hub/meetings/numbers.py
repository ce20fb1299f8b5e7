"""Meeting number allocation: random 5-digit numbers, unique by index among active meetings."""

from __future__ import annotations

import logging
import secrets

from hub.storage import Database, IntegrityViolation
from hub.storage.meetings import NUMBER_SPACE, Meeting, create_meeting, find_free_number

log = logging.getLogger(__name__)

# Random draws before asking SQL for a free number: with the space even 99% full, 50 misses
# in a row happen with probability 0.6; below 90% full practically never.
RANDOM_TRIES = 50
# Rounds of "find a free number, insert it" when concurrent creators keep taking the one found.
SCAN_TRIES = 20


class NumbersExhausted(Exception):
    """Every one of the 100,000 numbers is held by an active meeting."""


async def open_meeting(
    db: Database,
    title: str,
    organizer_id: int,
    now: float,
    *,
    first: int | None = None,
    passcode: str | None = None,
    access: str = "open",
    cap: int | None = None,
) -> Meeting:
    """Create an active meeting under a random free number; the unique index settles races.

    With `cap`, TooManyOpenMeetings when the organizer already runs that many (counted in the
    insert's transaction, so concurrent creates stay exact). `first` forces the first draw
    (tests use it to provoke a collision).
    """

    async def _insert(number: int) -> Meeting:
        async with db.transaction() as tx:
            return await create_meeting(
                tx, number, title, organizer_id, now, passcode=passcode, access=access, cap=cap
            )

    for attempt in range(RANDOM_TRIES):
        number = first if attempt == 0 and first is not None else secrets.randbelow(NUMBER_SPACE)
        try:
            return await _insert(number)
        except IntegrityViolation:
            continue
    log.warning("%d random meeting numbers were taken; scanning for a free one", RANDOM_TRIES)
    for _ in range(SCAN_TRIES):
        found = await find_free_number(db, secrets.randbelow(NUMBER_SPACE))
        if found is None:
            break
        try:
            return await _insert(found)
        except IntegrityViolation:
            continue
    raise NumbersExhausted("all 100,000 meeting numbers are in use")
