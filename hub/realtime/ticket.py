"""Websocket tickets for clients without cookies: single use, 60 seconds, kept in the cache."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from hub.cache import Cache

TICKET_TTL = 60.0


@dataclass(frozen=True)
class Ticket:
    """Who may open a websocket to which meeting."""

    user_id: int
    meeting_id: int


def _key(ticket: str) -> str:
    return f"wsticket:{ticket}"


async def issue_ticket(cache: Cache, user_id: int, meeting_id: int) -> str:
    """A fresh ticket for this user and meeting."""
    ticket = secrets.token_urlsafe(32)
    payload = json.dumps({"user_id": user_id, "meeting_id": meeting_id})
    await cache.set(_key(ticket), payload, ttl=TICKET_TTL)
    return ticket


async def redeem_ticket(cache: Cache, ticket: str) -> Ticket | None:
    """The ticket's grant, once: the delete that succeeds is the one redemption."""
    if not 20 <= len(ticket) <= 100:
        return None
    payload = await cache.get(_key(ticket))
    if payload is None or not await cache.compare_and_delete(_key(ticket), payload):
        return None
    data = json.loads(payload)
    return Ticket(int(data["user_id"]), int(data["meeting_id"]))
