"""Activity routes: polls, lotteries, ratings, red packets; every change pushed after commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from hub.errors import conflict, not_found
from hub.events import EVENTS
from hub.keys import CLOCK, DB
from hub.meetings.activities import inputs
from hub.meetings.activities.payloads import claim_json
from hub.meetings.activities.publisher import ACTIVITIES, ActivityPublisher, Loader
from hub.meetings.activities.state import lottery_state, packet_state, poll_state, rating_state
from hub.meetings.redpacket_split import split_cents
from hub.storage import Executor, lotteries, polls, ratings, redpackets
from hub.storage.meetings import Meeting
from hub.storage.users import User
from hub.web.access import meeting_by_id_for, meeting_for
from hub.web.auth import require_user
from hub.web.errors import ApiError
from hub.web.export import export_csv
from hub.web.validate import read_json

log = logging.getLogger(__name__)

Json = dict[str, Any]
T = TypeVar("T")


def _id(request: web.Request, what: str) -> int:
    raw = request.match_info.get("id", "")
    if not raw.isdigit() or len(raw) > 18:
        raise not_found(what)
    return int(raw)


async def _load(
    request: web.Request, what: str, get: Callable[[Executor, int], Awaitable[T | None]]
) -> T:
    """The activity named by `{id}`: 404 for a malformed or unknown id, 401 when anonymous."""
    activity_id = _id(request, what)
    await require_user(request)
    found = await get(request.app[DB], activity_id)
    if found is None:
        raise not_found(what)
    return found


async def _found(what: str, item: Awaitable[tuple[int, Json] | None]) -> Json:
    state = await item
    if state is None:  # pragma: no cover - activities are never deleted
        raise not_found(what)
    return state[1]


async def _push(
    request: web.Request, meeting: Meeting, kind: str, activity_id: int, event: str, load: Loader
) -> None:
    publisher: ActivityPublisher = request.app[ACTIVITIES]
    await publisher.push(request.app[EVENTS], meeting.id, kind, activity_id, event, load)


def _closed(what: str) -> Exception:
    return conflict(f"the {what} is closed", "closed")


async def _of_meeting(
    request: web.Request, meeting_id: int, *, organizer: bool = False, live: bool = True
) -> tuple[Meeting, User]:
    """The activity's meeting and viewer: 403 non-attendees (or non-organizers), 409 ended."""
    return await meeting_by_id_for(request, meeting_id, organizer=organizer, live=live)


# --- polls ---------------------------------------------------------------------------------


async def create_poll(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/polls (organizer, live meeting) -> 201 poll."""
    meeting, user = await meeting_for(request, organizer=True, live=True)
    spec = inputs.new_poll(await read_json(request))
    db, now = request.app[DB], request.app[CLOCK].time()
    poll_id = await polls.create_poll(
        db,
        meeting.id,
        spec.question,
        spec.options,
        multi=spec.multi,
        hide_results=spec.hide_results,
        now=now,
    )
    await _push(
        request, meeting, "poll", poll_id, "created", partial(poll_state, db, poll_id, None)
    )
    return web.json_response(await _found("poll", poll_state(db, poll_id, user.id)), status=201)


async def get_poll(request: web.Request) -> web.Response:
    """GET /api/polls/{id} (attendees)."""
    poll = await _load(request, "poll", polls.get_poll)
    _, user = await _of_meeting(request, poll.meeting_id, live=False)
    return web.json_response(await _found("poll", poll_state(request.app[DB], poll.id, user.id)))


async def vote(request: web.Request) -> web.Response:
    """POST /api/polls/{id}/vote {"option_ids"}: once per attendee (409 already_voted)."""
    poll = await _load(request, "poll", polls.get_poll)
    meeting, user = await _of_meeting(request, poll.meeting_id)
    chosen = inputs.option_ids(
        await read_json(request), multi=poll.multi, valid={o.id for o in poll.options}
    )
    db = request.app[DB]
    try:
        await polls.cast_ballot(db, poll.id, user.id, chosen, request.app[CLOCK].time())
    except polls.AlreadyVoted:
        raise conflict("you already voted in this poll", "already_voted") from None
    except polls.PollClosed:
        raise _closed("poll") from None
    await _push(
        request, meeting, "poll", poll.id, "updated", partial(poll_state, db, poll.id, None)
    )
    return web.json_response(await _found("poll", poll_state(db, poll.id, user.id)))


async def close_poll(request: web.Request) -> web.Response:
    """POST /api/polls/{id}/close (organizer)."""
    poll = await _load(request, "poll", polls.get_poll)
    meeting, user = await _of_meeting(request, poll.meeting_id, organizer=True)
    db = request.app[DB]
    try:
        await polls.close_poll(db, poll.id, request.app[CLOCK].time())
    except polls.PollClosed:
        raise _closed("poll") from None
    await _push(request, meeting, "poll", poll.id, "closed", partial(poll_state, db, poll.id, None))
    return web.json_response(await _found("poll", poll_state(db, poll.id, user.id)))


# --- lotteries -----------------------------------------------------------------------------


async def create_lottery(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/lotteries (organizer, live meeting) -> 201 lottery."""
    meeting, _ = await meeting_for(request, organizer=True, live=True)
    spec = inputs.new_lottery(await read_json(request))
    db = request.app[DB]
    lottery_id = await lotteries.create_lottery(
        db,
        meeting.id,
        spec.title,
        spec.winners,
        exclude_previous_winners=spec.exclude_previous_winners,
        include_organizer=spec.include_organizer,
        now=request.app[CLOCK].time(),
    )
    load = partial(lottery_state, db, lottery_id)
    await _push(request, meeting, "lottery", lottery_id, "created", load)
    return web.json_response(await _found("lottery", load()), status=201)


async def get_lottery(request: web.Request) -> web.Response:
    """GET /api/lotteries/{id} (attendees)."""
    lottery = await _load(request, "lottery", lotteries.get_lottery)
    await _of_meeting(request, lottery.meeting_id, live=False)
    return web.json_response(await _found("lottery", lottery_state(request.app[DB], lottery.id)))


async def draw(request: web.Request) -> web.Response:
    """POST /api/lotteries/{id}/draw (organizer): draws once; again returns the same winners."""
    lottery = await _load(request, "lottery", lotteries.get_lottery)
    meeting, _ = await _of_meeting(request, lottery.meeting_id, organizer=True)
    db = request.app[DB]
    load = partial(lottery_state, db, lottery.id)
    if not lottery.drawn:
        try:
            drawn = await lotteries.draw_lottery(
                db, lottery, meeting.organizer_id, request.app[CLOCK].time()
            )
        except lotteries.NotEnoughEligible as exc:
            raise conflict(
                f"only {exc.eligible} attendees can win, fewer than {lottery.winners_count}",
                "not_enough_attendees",
            ) from None
        if drawn:
            log.info("lottery %s drawn in meeting %s", lottery.id, meeting.number)
            await _push(request, meeting, "lottery", lottery.id, "drawn", load)
    return web.json_response(await _found("lottery", load()))


# --- ratings -------------------------------------------------------------------------------


async def create_rating(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/ratings (organizer, live meeting) -> 201 rating."""
    meeting, user = await meeting_for(request, organizer=True, live=True)
    subject, top = inputs.new_rating(await read_json(request))
    db = request.app[DB]
    rating_id = await ratings.create_rating(db, meeting.id, subject, top, request.app[CLOCK].time())
    load = partial(rating_state, db, rating_id, None)
    await _push(request, meeting, "rating", rating_id, "created", load)
    return web.json_response(
        await _found("rating", rating_state(db, rating_id, user.id)), status=201
    )


async def get_rating(request: web.Request) -> web.Response:
    """GET /api/ratings/{id} (attendees)."""
    rating = await _load(request, "rating", ratings.get_rating)
    _, user = await _of_meeting(request, rating.meeting_id, live=False)
    state = rating_state(request.app[DB], rating.id, user.id)
    return web.json_response(await _found("rating", state))


async def score(request: web.Request) -> web.Response:
    """POST /api/ratings/{id}/score {"score": 1..max}: one per attendee, changeable until close."""
    rating = await _load(request, "rating", ratings.get_rating)
    meeting, user = await _of_meeting(request, rating.meeting_id)
    value = inputs.score(await read_json(request), rating.max_score)
    db = request.app[DB]
    try:
        await ratings.set_score(db, rating.id, user.id, value, request.app[CLOCK].time())
    except ratings.RatingClosed:
        raise _closed("rating") from None
    load = partial(rating_state, db, rating.id, None)
    await _push(request, meeting, "rating", rating.id, "updated", load)
    return web.json_response(await _found("rating", rating_state(db, rating.id, user.id)))


async def close_rating(request: web.Request) -> web.Response:
    """POST /api/ratings/{id}/close (organizer)."""
    rating = await _load(request, "rating", ratings.get_rating)
    meeting, user = await _of_meeting(request, rating.meeting_id, organizer=True)
    db = request.app[DB]
    try:
        await ratings.close_rating(db, rating.id, request.app[CLOCK].time())
    except ratings.RatingClosed:
        raise _closed("rating") from None
    load = partial(rating_state, db, rating.id, None)
    await _push(request, meeting, "rating", rating.id, "closed", load)
    return web.json_response(await _found("rating", rating_state(db, rating.id, user.id)))


# --- red packets ---------------------------------------------------------------------------


async def create_packet(request: web.Request) -> web.Response:
    """POST /api/meetings/{number}/redpackets {"total_cents", "count"} (organizer) -> 201."""
    meeting, user = await meeting_for(request, organizer=True, live=True)
    total, count = inputs.new_packet(await read_json(request))
    db = request.app[DB]
    shares = split_cents(total, count)
    packet_id = await redpackets.create_packet(db, meeting.id, shares, request.app[CLOCK].time())
    load = partial(packet_state, db, packet_id, None)
    await _push(request, meeting, "redpacket", packet_id, "created", load)
    state = packet_state(db, packet_id, user.id)
    return web.json_response(await _found("red packet", state), status=201)


async def get_packet(request: web.Request) -> web.Response:
    """GET /api/redpackets/{id} (attendees)."""
    packet = await _load(request, "red packet", redpackets.get_packet)
    _, user = await _of_meeting(request, packet.meeting_id, live=False)
    state = packet_state(request.app[DB], packet.id, user.id)
    return web.json_response(await _found("red packet", state))


async def claim(request: web.Request) -> web.Response:
    """POST /api/redpackets/{id}/claim -> {"cents", "index"}; 409 already_claimed, 410 empty."""
    packet = await _load(request, "red packet", redpackets.get_packet)
    meeting, user = await _of_meeting(request, packet.meeting_id)
    db = request.app[DB]
    try:
        taken = await redpackets.claim_share(db, packet.id, user.id, request.app[CLOCK].time())
    except redpackets.AlreadyClaimed:
        raise conflict(
            "you already claimed a share of this red packet", "already_claimed"
        ) from None
    except redpackets.PacketEmpty:
        raise ApiError(410, "empty", "every share of this red packet is taken") from None
    load = partial(packet_state, db, packet.id, None)
    await _push(request, meeting, "redpacket", packet.id, "claimed", load)
    return web.json_response(claim_json(taken))


def setup_activities(app: web.Application) -> None:
    """The activity routes, the CSV export, and the publisher that orders pushed frames."""
    app[ACTIVITIES] = ActivityPublisher()
    add = app.router.add_route
    add("POST", "/api/meetings/{number}/polls", create_poll, name="poll_create")
    add("GET", "/api/polls/{id}", get_poll, name="poll")
    add("POST", "/api/polls/{id}/vote", vote, name="poll_vote")
    add("POST", "/api/polls/{id}/close", close_poll, name="poll_close")
    add("POST", "/api/meetings/{number}/lotteries", create_lottery, name="lottery_create")
    add("GET", "/api/lotteries/{id}", get_lottery, name="lottery")
    add("POST", "/api/lotteries/{id}/draw", draw, name="lottery_draw")
    add("POST", "/api/meetings/{number}/ratings", create_rating, name="rating_create")
    add("GET", "/api/ratings/{id}", get_rating, name="rating")
    add("POST", "/api/ratings/{id}/score", score, name="rating_score")
    add("POST", "/api/ratings/{id}/close", close_rating, name="rating_close")
    add("POST", "/api/meetings/{number}/redpackets", create_packet, name="redpacket_create")
    add("GET", "/api/redpackets/{id}", get_packet, name="redpacket")
    add("POST", "/api/redpackets/{id}/claim", claim, name="redpacket_claim")
    add("GET", "/api/meetings/{number}/export.csv", export_csv, name="meeting_export")
