"""The public JSON of each activity, built from storage rows; per-viewer fields passed in."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hub.clock import iso_ts
from hub.storage.lotteries import Lottery
from hub.storage.polls import Poll
from hub.storage.ratings import Rating
from hub.storage.redpackets import Claim, RedPacket
from hub.storage.users import User


def _user(users: dict[int, User], user_id: int) -> dict[str, Any]:
    user = users.get(user_id)
    if user is None:  # pragma: no cover - users are never deleted
        return {"id": user_id, "userid": "", "name": "", "avatar": ""}
    return user.as_json()


def votes_visible(poll: Poll) -> bool:
    """Counts are hidden from everyone (organizer too) while a hide_results poll is open."""
    return not (poll.hide_results and poll.open)


def poll_json(poll: Poll, my_vote: list[int] | None) -> dict[str, Any]:
    """The poll payload; `my_vote` is None in broadcasts, [] for a viewer who has not voted."""
    show = votes_visible(poll)
    return {
        "id": poll.id,
        "question": poll.question,
        "multi": poll.multi,
        "hide_results": poll.hide_results,
        "status": poll.status,
        "total_votes": poll.total_votes,
        "options": [
            {"id": o.id, "label": o.label, "votes": o.votes if show else None} for o in poll.options
        ],
        "my_vote": my_vote,
        "created_at": iso_ts(poll.created_at),
        "closed_at": iso_ts(poll.closed_at),
        "version": poll.version,
    }


def lottery_json(
    lottery: Lottery, users: dict[int, User], eligible_count: int | None
) -> dict[str, Any]:
    """The lottery payload; `eligible_count` is the stored one once drawn, else live."""
    return {
        "id": lottery.id,
        "title": lottery.title,
        "winners_count": lottery.winners_count,
        "exclude_previous_winners": lottery.exclude_previous_winners,
        "include_organizer": lottery.include_organizer,
        "status": lottery.status,
        "winners": [_user(users, uid) for uid in lottery.winner_ids],
        "eligible_count": lottery.eligible_count if lottery.drawn else eligible_count,
        "created_at": iso_ts(lottery.created_at),
        "drawn_at": iso_ts(lottery.drawn_at),
        "version": lottery.version,
    }


def average(distribution: tuple[tuple[int, int], ...]) -> float | None:
    """The mean score rounded half-up to 2 decimals from exact integer sums; None if unscored."""
    count = sum(n for _, n in distribution)
    if count == 0:
        return None
    total = sum(score * n for score, n in distribution)
    exact = Decimal(total) / Decimal(count)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rating_json(rating: Rating, my_score: int | None) -> dict[str, Any]:
    """The rating payload; `my_score` is None in broadcasts and for a viewer who has not scored."""
    return {
        "id": rating.id,
        "subject": rating.subject,
        "max": rating.max_score,
        "status": rating.status,
        "count": sum(n for _, n in rating.distribution),
        "average": average(rating.distribution),
        "distribution": {str(score): n for score, n in rating.distribution},
        "my_score": my_score,
        "created_at": iso_ts(rating.created_at),
        "closed_at": iso_ts(rating.closed_at),
        "version": rating.version,
    }


def claim_json(claim: Claim) -> dict[str, Any]:
    """What a claim answers: the share's cents and index."""
    return {"cents": claim.cents, "index": claim.index}


def packet_json(
    packet: RedPacket, users: dict[int, User], my_claim: Claim | None
) -> dict[str, Any]:
    """The red packet payload; `my_claim` is None in broadcasts and for a viewer who has none."""
    return {
        "id": packet.id,
        "total_cents": packet.total_cents,
        "count": packet.count,
        "claimed_count": packet.claimed_count,
        "claimed_cents": packet.claimed_cents,
        "status": "empty" if packet.empty else "open",
        "claims": [
            {
                "user": _user(users, c.user_id),
                "cents": c.cents,
                "index": c.index,
                "claimed_at": iso_ts(c.claimed_at),
            }
            for c in packet.claims
        ],
        "my_claim": claim_json(my_claim) if my_claim else None,
        "created_at": iso_ts(packet.created_at),
        "version": packet.version,
    }
