"""Fresh reads of activities as JSON: one activity (for frames and answers) or a whole meeting."""

from __future__ import annotations

from typing import Any

from hub.meetings.activities.payloads import lottery_json, packet_json, poll_json, rating_json
from hub.storage.database import Executor
from hub.storage.lotteries import Lottery, eligible_ids, get_lottery, list_lotteries
from hub.storage.meetings import get_meeting
from hub.storage.polls import get_poll, list_polls, my_votes
from hub.storage.ratings import get_rating, list_ratings, my_scores
from hub.storage.redpackets import get_packet, list_packets
from hub.storage.users import get_users

Json = dict[str, Any]


async def _eligible_count(ex: Executor, lottery: Lottery, organizer_id: int | None) -> int | None:
    if lottery.drawn or organizer_id is None:
        return lottery.eligible_count
    return len(await eligible_ids(ex, lottery, organizer_id))


async def _organizer_id(ex: Executor, meeting_id: int) -> int | None:
    meeting = await get_meeting(ex, meeting_id)
    return meeting.organizer_id if meeting else None


async def poll_state(ex: Executor, poll_id: int, viewer_id: int | None) -> tuple[int, Json] | None:
    """(version, payload) of the poll; `viewer_id` None builds the broadcast form."""
    poll = await get_poll(ex, poll_id)
    if poll is None:
        return None
    mine = None
    if viewer_id is not None:
        mine = (await my_votes(ex, [poll_id], viewer_id)).get(poll_id, [])
    return poll.version, poll_json(poll, mine)


async def lottery_state(ex: Executor, lottery_id: int) -> tuple[int, Json] | None:
    """(version, payload) of the lottery (it has no per-viewer fields)."""
    lottery = await get_lottery(ex, lottery_id)
    if lottery is None:
        return None
    users = await get_users(ex, lottery.winner_ids)
    eligible = await _eligible_count(ex, lottery, await _organizer_id(ex, lottery.meeting_id))
    return lottery.version, lottery_json(lottery, users, eligible)


async def rating_state(
    ex: Executor, rating_id: int, viewer_id: int | None
) -> tuple[int, Json] | None:
    """(version, payload) of the rating; `viewer_id` None builds the broadcast form."""
    rating = await get_rating(ex, rating_id)
    if rating is None:
        return None
    mine = None
    if viewer_id is not None:
        mine = (await my_scores(ex, [rating_id], viewer_id)).get(rating_id)
    return rating.version, rating_json(rating, mine)


async def packet_state(
    ex: Executor, packet_id: int, viewer_id: int | None
) -> tuple[int, Json] | None:
    """(version, payload) of the red packet; `viewer_id` None builds the broadcast form."""
    packet = await get_packet(ex, packet_id)
    if packet is None:
        return None
    users = await get_users(ex, [c.user_id for c in packet.claims])
    mine = next((c for c in packet.claims if c.user_id == viewer_id), None)
    return packet.version, packet_json(packet, users, mine)


async def activities_json(ex: Executor, meeting_id: int, viewer_id: int) -> dict[str, list[Json]]:
    """Every activity of the meeting with current results, as `viewer_id` sees them."""
    polls = await list_polls(ex, meeting_id)
    votes = await my_votes(ex, [p.id for p in polls], viewer_id)
    lotteries = await list_lotteries(ex, meeting_id)
    ratings = await list_ratings(ex, meeting_id)
    scores = await my_scores(ex, [r.id for r in ratings], viewer_id)
    packets = await list_packets(ex, meeting_id)
    user_ids = {uid for lot in lotteries for uid in lot.winner_ids}
    user_ids |= {c.user_id for p in packets for c in p.claims}
    users = await get_users(ex, user_ids)
    organizer_id = await _organizer_id(ex, meeting_id) if lotteries else None
    lottery_items = [
        lottery_json(lot, users, await _eligible_count(ex, lot, organizer_id)) for lot in lotteries
    ]
    return {
        "polls": [poll_json(p, votes.get(p.id, [])) for p in polls],
        "lotteries": lottery_items,
        "ratings": [rating_json(r, scores.get(r.id)) for r in ratings],
        "redpackets": [
            packet_json(p, users, next((c for c in p.claims if c.user_id == viewer_id), None))
            for p in packets
        ],
    }
