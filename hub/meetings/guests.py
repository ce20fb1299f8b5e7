"""Who may come to a meeting by where they signed in from, and nickname guests at the door."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hub.cache import Cache, CacheUnavailable, spend
from hub.clock import Clock
from hub.errors import HubError, conflict, forbidden
from hub.meetings.settings import meeting_settings
from hub.storage import Database, again_when_busy
from hub.storage.identities import (
    GUEST,
    MINIPROGRAM,
    WECHAT,
    WECOM,
    count_guests,
    create_guest,
    lock_live_meeting,
)
from hub.storage.meetings import Meeting, join_meeting

log = logging.getLogger(__name__)

# The `guests` meeting setting: which providers each value lets in.
ADMITTED: dict[str, frozenset[str]] = {
    "wecom": frozenset({WECOM}),
    "wechat": frozenset({WECOM, MINIPROGRAM, WECHAT}),
    "anyone": frozenset({WECOM, MINIPROGRAM, WECHAT, GUEST}),
}
GUEST_MODES = tuple(ADMITTED)
# The most guests any meeting admits, whatever HUB_GUESTS_PER_MEETING says.
MAX_GUESTS = 2000


def admits(mode: str, provider: str) -> bool:
    """True when a meeting whose `guests` is `mode` lets someone from `provider` join."""
    return provider in ADMITTED.get(mode, ADMITTED["wecom"])


def may_create(provider: str, wechat_may_create: bool) -> bool:
    """WeCom members create meetings; WeChat users only when the admin allows; guests never."""
    if provider == WECOM:
        return True
    return wechat_may_create and provider in (MINIPROGRAM, WECHAT)


async def guests_mode(db: Database, meeting_id: int) -> str:
    """The meeting's `guests` setting (`wecom` unless its organizer changed it)."""
    mode = (await meeting_settings(db, meeting_id)).get("guests", "wecom")
    return mode if mode in ADMITTED else "wecom"


async def may_come(db: Database, meeting: Meeting, provider: str) -> bool:
    """True when the meeting's `guests` setting lets someone from `provider` join."""
    return provider == WECOM or admits(await guests_mode(db, meeting.id), provider)


class TooManyGuestsFromHere(HubError):
    """The client IP used up its guest sign-ins for this window (the web edge answers 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too_many_guests", "too many guest sign-ins from here", retry_after=retry_after
        )
        self.retry_after = retry_after


@dataclass
class GuestDoor:
    """Lets nickname guests into `anyone` meetings: at most `per_meeting` per meeting (exact,
    under the meeting's row lock) and `per_ip` sign-ins per client IP and `window` seconds."""

    db: Database
    cache: Cache
    clock: Clock
    per_meeting: int
    per_ip: int
    window: float

    async def count_ip(self, ip: str | None) -> None:
        """Count one guest attempt from `ip`; TooManyGuestsFromHere past its window's budget."""
        if not ip:
            return
        try:
            wait = await spend(self.cache, f"guests:ip:{ip}", self.per_ip, self.window)
            if wait is not None:
                raise TooManyGuestsFromHere(wait)
        except CacheUnavailable:
            # The meeting cap still holds; only the per-IP budget waits for the cache.
            log.warning("a guest sign-in was not counted: the cache is unavailable")

    async def admit(self, meeting: Meeting, nickname: str, avatar: str | None) -> int:
        """Create a guest and seat them in the meeting; returns the guest's user id.

        403 `guests_not_allowed` unless the meeting's `guests` is `anyone`, 409
        `meeting_ended`, 409 `guests_full` at the cap. The caller counts the IP first.
        """
        if await guests_mode(self.db, meeting.id) != "anyone":
            raise forbidden("this meeting does not take guests", "guests_not_allowed")
        cap = min(self.per_meeting, MAX_GUESTS)
        now = self.clock.time()

        async def seat() -> int:
            async with self.db.transaction() as tx:
                if not await lock_live_meeting(tx, meeting.id, now):
                    raise conflict("the meeting has ended", "meeting_ended")
                if await count_guests(tx, meeting.id) >= cap:
                    raise conflict("this meeting has no room for more guests", "guests_full")
                guest_id = await create_guest(tx, nickname, avatar, now)
                if not await join_meeting(tx, meeting.id, guest_id, now):  # pragma: no cover
                    raise conflict("the meeting has ended", "meeting_ended")
            return guest_id

        # A rush of guests queues on the meeting's row; under load MariaDB has rolled a few
        # of them back as deadlock victims (CI saw 7 of 30), which a second try seats or refuses.
        return await again_when_busy(seat)
