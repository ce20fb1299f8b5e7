"""Ratings: one score per attendee, changeable until the organizer closes it; exact averages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hub.activities.cells import iso, safe, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Outcome, Rows, closed
from hub.clock import iso_ts
from hub.storage import ratings
from hub.storage.database import Executor
from hub.storage.meetings import Meeting
from hub.storage.ratings import Rating
from hub.validate import bool_field, int_field, text_field


def new_rating(body: Json) -> tuple[str, int, bool]:
    """`{"subject", "max": 5, "anonymous": false}` with max 2..10."""
    subject = text_field(body, "subject", max_len=200)
    return subject, int_field(body, "max", lo=2, hi=10, default=5), bool_field(body, "anonymous")


def score_of(body: Json, top: int) -> int:
    """`{"score": 1..max}`."""
    return int_field(body, "score", lo=1, hi=top)


def average(distribution: tuple[tuple[int, int], ...]) -> float | None:
    """The mean score rounded half-up to 2 decimals from exact integer sums; None if unscored."""
    count = sum(n for _, n in distribution)
    if count == 0:
        return None
    total = sum(score * n for score, n in distribution)
    exact = Decimal(total) / Decimal(count)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rating_json(rating: Rating, my_score: int | None) -> Json:
    """The rating payload; `my_score` is None in broadcasts and for a viewer who has not scored."""
    return {
        "id": rating.id,
        "subject": rating.subject,
        "max": rating.max_score,
        "anonymous": rating.anonymous,
        "status": rating.status,
        "count": sum(n for _, n in rating.distribution),
        "average": average(rating.distribution),
        "distribution": {str(score): n for score, n in rating.distribution},
        "my_score": my_score,
        "created_at": iso_ts(rating.created_at),
        "closed_at": iso_ts(rating.closed_at),
        "version": rating.version,
    }


async def create(ctx: ActionContext, spec: tuple[str, int, bool]) -> int:
    """Store a new open rating in the meeting."""
    subject, top, anonymous = spec
    return await ratings.create_rating(ctx.db, ctx.meeting.id, subject, top, ctx.now, anonymous)


async def payload(ex: Executor, rating: Rating, meeting: Meeting) -> Json:
    """The broadcast form (it needs no further read)."""
    del ex, meeting
    return rating_json(rating, None)


async def mine(ex: Executor, rating: Rating, viewer_id: int) -> Json:
    """This viewer's score (None before scoring)."""
    return {"my_score": (await ratings.my_scores(ex, [rating.id], viewer_id)).get(rating.id)}


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's ratings with this viewer's scores."""
    found = await ratings.list_ratings(ex, meeting_id)
    scores = await ratings.my_scores(ex, [r.id for r in found], viewer_id)
    return [rating_json(r, scores.get(r.id)) for r in found]


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per score given; an anonymous rating's rows name no one."""
    rows: Rows = [["rating_id", "subject", "max", "status", "userid", "name", "score", "scored_at"]]
    scores = await ratings.score_rows(ex, meeting_id)
    users = await users_of(ex, (s["user_id"] for s in scores))
    by_rating: dict[int, list[Any]] = {}
    for s in scores:
        by_rating.setdefault(int(s["rating_id"]), []).append(s)
    for rating in await ratings.list_ratings(ex, meeting_id):
        base = [rating.id, safe(rating.subject), rating.max_score, rating.status]
        for s in by_rating.get(rating.id, []):
            person = ["", ""] if rating.anonymous else who(users, int(s["user_id"]))
            rows.append([*base, *person, int(s["score"]), iso(s["updated_at"])])
    return rows


RATING = ActivityKind(
    name="rating",
    plural="ratings",
    label="rating",
    parse=new_rating,
    create=create,
    load=ratings.get_rating,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={"subject": "The talk"},
    remove=ratings.delete_unused_rating,  # nobody scored it
)


@RATING.action("score", event="updated", example=lambda _: {"score": 4})
async def score(ctx: ActionContext, rating: Rating) -> Outcome:
    """`{"score": 1..max}`: one per attendee, changeable until close (409 closed after)."""
    value = score_of(ctx.body, rating.max_score)
    try:
        await ratings.set_score(ctx.db, rating.id, ctx.user.id, value, ctx.now)
    except ratings.RatingClosed:
        raise closed(RATING.label) from None
    return Outcome(mine={"my_score": value})


@RATING.action("close", event="closed", organizer=True)
async def close(ctx: ActionContext, rating: Rating) -> None:
    """Close an open rating (409 closed when it already is)."""
    try:
        await ratings.close_rating(ctx.db, rating.id, ctx.now)
    except ratings.RatingClosed:
        raise closed(RATING.label) from None
