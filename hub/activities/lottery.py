"""Lotteries: winners drawn among the meeting's attendees; drawing again shows the same, a
re-draw picks new winners among those who have not won, and every draw stays in the record."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hub.activities.cells import iso, safe, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Outcome, Rows, closed
from hub.clock import iso_ts
from hub.errors import Conflict, conflict
from hub.storage import lotteries
from hub.storage.database import Executor
from hub.storage.lotteries import Lottery
from hub.storage.meetings import Meeting, get_meeting
from hub.storage.users import User, get_users
from hub.validate import bool_field, int_field, text_field

log = logging.getLogger(__name__)

MAX_WINNERS = 1_000


@dataclass(frozen=True)
class NewLottery:
    """A valid lottery to create."""

    title: str
    winners: int
    exclude_previous_winners: bool
    include_organizer: bool


def new_lottery(body: Json) -> NewLottery:
    """`{"title", "winners": 1, "exclude_previous_winners": true, "include_organizer": false}`."""
    return NewLottery(
        text_field(body, "title", max_len=200),
        int_field(body, "winners", lo=1, hi=MAX_WINNERS, default=1),
        bool_field(body, "exclude_previous_winners", default=True),
        bool_field(body, "include_organizer", default=False),
    )


def _not_enough(eligible: int, wanted: int) -> Conflict:
    """Fewer people can win than the lottery's winners: the reason, with both numbers."""
    return Conflict(
        "not_enough_attendees",
        f"only {eligible} attendees can win, fewer than {wanted}",
        eligible=eligible,
        winners=wanted,
    )


def _user(users: dict[int, User], user_id: int) -> Json:
    user = users.get(user_id)
    if user is None:  # pragma: no cover - users are never deleted
        return {"id": user_id, "userid": "", "name": "", "avatar": ""}
    return user.as_json()


def lottery_json(lottery: Lottery, users: dict[int, User], eligible_count: int | None) -> Json:
    """The lottery payload; `eligible_count` is the stored one once drawn, else live."""
    return {
        "id": lottery.id,
        "title": lottery.title,
        "winners_count": lottery.winners_count,
        "exclude_previous_winners": lottery.exclude_previous_winners,
        "include_organizer": lottery.include_organizer,
        "status": lottery.status,
        "winners": [_user(users, uid) for uid in lottery.winner_ids],
        "draws": [[_user(users, uid) for uid in draw] for draw in lottery.draws],
        "eligible_count": lottery.eligible_count if lottery.drawn else eligible_count,
        "created_at": iso_ts(lottery.created_at),
        "drawn_at": iso_ts(lottery.drawn_at),
        "version": lottery.version,
    }


async def _eligible_count(ex: Executor, lottery: Lottery, organizer_id: int | None) -> int | None:
    if lottery.drawn or organizer_id is None:
        return lottery.eligible_count
    return len(await lotteries.eligible_ids(ex, lottery, organizer_id))


async def create(ctx: ActionContext, spec: NewLottery) -> int:
    """Store a new open lottery in the meeting; one that could not be drawn now (more winners
    than who could win) is refused with the reason (409 not_enough_attendees)."""
    try:
        return await lotteries.create_lottery(
            ctx.db,
            ctx.meeting.id,
            spec.title,
            spec.winners,
            exclude_previous_winners=spec.exclude_previous_winners,
            include_organizer=spec.include_organizer,
            now=ctx.now,
        )
    except lotteries.NotEnoughEligible as exc:
        raise _not_enough(exc.eligible, spec.winners) from None


async def payload(ex: Executor, lottery: Lottery, meeting: Meeting) -> Json:
    """The lottery with its winners and who could win now (it has no per-viewer fields)."""
    users = await get_users(ex, {uid for draw in lottery.draws for uid in draw})
    return lottery_json(lottery, users, await _eligible_count(ex, lottery, meeting.organizer_id))


async def mine(ex: Executor, lottery: Lottery, viewer_id: int) -> Json:
    """Nothing: everyone sees the same lottery."""
    del ex, lottery, viewer_id
    return {}


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's lotteries (the same for every viewer)."""
    del viewer_id
    found = await lotteries.list_lotteries(ex, meeting_id)
    if not found:
        return []
    users = await get_users(ex, {uid for lot in found for draw in lot.draws for uid in draw})
    meeting = await get_meeting(ex, meeting_id)
    organizer_id = meeting.organizer_id if meeting else None
    return [lottery_json(lot, users, await _eligible_count(ex, lot, organizer_id)) for lot in found]


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per winner (a lottery not drawn yet gets one row without a winner)."""
    header = ["lottery_id", "title", "winners_count", "status", "drawn_at", "eligible_count"]
    rows: Rows = [[*header, "position", "userid", "name"]]
    winners = await lotteries.winner_rows(ex, meeting_id)
    users = await users_of(ex, (w["user_id"] for w in winners))
    for lottery in await lotteries.list_lotteries(ex, meeting_id):
        base = [lottery.id, safe(lottery.title), lottery.winners_count, lottery.status]
        base += [iso(lottery.drawn_at), lottery.eligible_count]
        if not lottery.winner_ids:
            rows.append([*base, "", "", ""])
        for pos, uid in enumerate(lottery.winner_ids, start=1):
            rows.append([*base, pos, *who(users, uid)])
    return rows


LOTTERY = ActivityKind(
    name="lottery",
    plural="lotteries",
    label="lottery",
    parse=new_lottery,
    create=create,
    load=lotteries.get_lottery,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={"title": "First prize"},
    remove=lotteries.delete_unused_lottery,
    # A timed lottery draws itself at `closes_at`; the meeting's end closes it undrawn instead
    # (hub.meetings.ending prefers a kind's `close`).
    close_action="draw",
)


@LOTTERY.action("draw", event="drawn", organizer=True)
async def draw(ctx: ActionContext, lottery: Lottery) -> Outcome | None:
    """Draw the winners once; drawing again answers the same winners (and pushes nothing)."""
    if lottery.drawn:
        return Outcome(changed=False)
    if lottery.status == "closed":
        raise closed(LOTTERY.label)
    try:
        drawn = await lotteries.draw_lottery(ctx.db, lottery, ctx.meeting.organizer_id, ctx.now)
    except lotteries.NotEnoughEligible as exc:
        raise _not_enough(exc.eligible, lottery.winners_count) from None
    if not drawn:  # a concurrent draw got there first, and pushed
        return Outcome(changed=False)
    log.info("lottery %s drawn in meeting %s", lottery.id, ctx.meeting.number)
    return None


@LOTTERY.action("redraw", event="drawn", organizer=True)
async def redraw(ctx: ActionContext, lottery: Lottery) -> Outcome | None:
    """Draw again among those who have not won (409 not_drawn before a first draw); the
    earlier draws stay in `draws` and the CSV."""
    if lottery.status == "closed":
        raise closed(LOTTERY.label)
    if not lottery.drawn:
        raise conflict("draw the lottery before drawing it again", "not_drawn")
    try:
        drawn = await lotteries.redraw_lottery(ctx.db, lottery, ctx.meeting.organizer_id, ctx.now)
    except lotteries.NotEnoughEligible as exc:
        raise _not_enough(exc.eligible, lottery.winners_count) from None
    if not drawn:  # a concurrent re-draw of the same state got there first, and pushed
        return Outcome(changed=False)
    log.info("lottery %s drawn again in meeting %s", lottery.id, ctx.meeting.number)
    return None


@LOTTERY.action("close", event="closed", organizer=True)
async def close(ctx: ActionContext, lottery: Lottery) -> None:
    """Close the lottery (409 closed when it is): one never drawn is given up, a drawn one keeps
    its winners and takes no more re-draws."""
    if not await lotteries.close_lottery(ctx.db, lottery.id):
        raise closed(LOTTERY.label)
