"""Moderation rules: blocked words masked, mutes and slow mode refusing a chat message."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hub.cache import Cache
from hub.errors import Conflict, Forbidden
from hub.meetings.settings import BLOCKED_WORDS, SLOW_MODE_S, meeting_settings
from hub.storage import Database
from hub.storage.moderation import muted_until

MASK = "＊"


def mask(text: str, blocked: Iterable[str]) -> str:
    """`text` with every blocked word (any case) replaced by as many ＊ as it has characters."""
    words = sorted({w.strip() for w in blocked if w.strip()}, key=len, reverse=True)
    if not words:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return pattern.sub(lambda m: MASK * len(m.group(0)), text)


async def blocked_words(db: Database, meeting_id: int) -> list[str]:
    """The meeting's blocked words."""
    return [str(w) for w in (await meeting_settings(db, meeting_id))[BLOCKED_WORDS.name]]


class Muted(Forbidden):
    """The attendee is muted (code `muted`, with `until` in epoch seconds)."""


class SlowMode(Conflict):
    """A message sooner than the meeting's slow mode allows (code `slow_mode`)."""


async def check_may_chat(
    db: Database, cache: Cache, meeting_id: int, user_id: int, now: float
) -> None:
    """Refuse a chat message from a muted attendee or one sent inside the slow-mode interval.

    Slow mode is a lock in the shared cache that lives N seconds, so every process sees it.
    """
    until = await muted_until(db, meeting_id, user_id)
    if until is not None and until > now:
        raise Muted("muted", "you are muted", until=until)
    interval = int((await meeting_settings(db, meeting_id))[SLOW_MODE_S.name])
    if interval > 0:
        token = await cache.acquire_lock(f"slow:{meeting_id}:{user_id}", float(interval))
        if token is None:
            raise SlowMode("slow_mode", f"one message every {interval} seconds", seconds=interval)


async def moderate_chat(
    db: Database, cache: Cache, meeting_id: int, user_id: int, text: str, now: float
) -> str:
    """The message as it may be sent (blocked words masked), or Muted / SlowMode."""
    await check_may_chat(db, cache, meeting_id, user_id, now)
    return mask(text, await blocked_words(db, meeting_id))
