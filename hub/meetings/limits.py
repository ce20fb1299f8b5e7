"""The limits that keep one user from taking or flooding the meetings of everyone else."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from hub.settings import Settings


@dataclass(frozen=True)
class MeetingLimits:
    """Per-user caps, lookup throttling and idle ending (defaults: those of hub.settings)."""

    # Open meetings one organizer may run at once (F3): the 100,000 numbers are shared.
    open_per_user: int = 20
    # A live meeting with no join, chat message or activity change for this long is ended.
    idle_after: float = 24 * 3600.0
    # How often one process looks for idle meetings.
    idle_check_every: float = 300.0
    # Refused meeting lookups and joins (unknown numbers, meetings not open to the asker, wrong
    # passcodes) allowed per window, per user and per client IP (F2). The IP budget is larger:
    # a whole office may sit behind one address.
    misses_per_user: int = 20
    misses_per_ip: int = 100
    miss_window: float = 60.0
    # Websockets one user may hold in one meeting on one process; a newer one closes the oldest.
    sockets_per_user: int = 5
    # Chat messages one user may send to one meeting per window, across all their sockets and
    # processes (F8); each connection's token bucket still stops floods of any frame.
    chats_per_user: int = 20
    chat_window: float = 2.0


# The pool use at which hub warns that numbers may run out.
POOL_WARNING = 0.9


def limits_from(settings: Settings) -> MeetingLimits:
    """The limits an operator set (hub.settings declares each, with its default and bounds)."""
    return MeetingLimits(
        open_per_user=settings.meetings_per_user,
        idle_after=settings.meeting_idle_after,
        idle_check_every=settings.meeting_idle_check,
        misses_per_user=settings.meeting_misses_per_user,
        misses_per_ip=settings.meeting_misses_per_ip,
        miss_window=settings.meeting_miss_window,
        sockets_per_user=settings.ws_per_user,
        chats_per_user=settings.chats_per_user,
        chat_window=settings.chat_window,
    )


MEETING_LIMITS = web.AppKey("meeting_limits", MeetingLimits)
