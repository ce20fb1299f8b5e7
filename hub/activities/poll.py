"""Polls: single or multiple choice, one ballot per attendee, results hidden until close."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.activities.cells import iso, safe, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Outcome, Rows, closed
from hub.clock import iso_ts
from hub.errors import bad_request, conflict
from hub.storage import polls
from hub.storage.database import Executor
from hub.storage.meetings import Meeting
from hub.storage.polls import Poll
from hub.validate import bool_field, text_field

MIN_OPTIONS = 2
MAX_OPTIONS = 20


@dataclass(frozen=True)
class NewPoll:
    """A valid poll to create."""

    question: str
    options: tuple[str, ...]
    multi: bool
    hide_results: bool


def new_poll(body: Json) -> NewPoll:
    """`{"question", "options": [2..20 distinct labels], "multi", "hide_results"}`."""
    question = text_field(body, "question", max_len=200)
    raw = body.get("options")
    if not isinstance(raw, list) or not MIN_OPTIONS <= len(raw) <= MAX_OPTIONS:
        raise bad_request(f"'options' must be a list of {MIN_OPTIONS} to {MAX_OPTIONS} labels")
    labels: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not 1 <= len(item.strip()) <= 100:
            raise bad_request("each option must be a string of 1 to 100 characters")
        labels.append(item.strip())
    if len(set(labels)) != len(labels):
        raise bad_request("options must be different from each other")
    return NewPoll(
        question,
        tuple(labels),
        bool_field(body, "multi"),
        bool_field(body, "hide_results"),
    )


def option_ids(body: Json, *, multi: bool, valid: set[int]) -> list[int]:
    """`{"option_ids": [..]}`: exactly one (single choice) or 1..n distinct, all of this poll."""
    raw = body.get("option_ids")
    if not isinstance(raw, list) or not raw:
        raise bad_request("'option_ids' must be a non-empty list of option ids")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in raw):
        raise bad_request("'option_ids' must hold whole numbers")
    ids: list[int] = raw
    if not multi and len(ids) != 1:
        raise bad_request("this poll takes exactly one option")
    if len(set(ids)) != len(ids):
        raise bad_request("'option_ids' must not repeat an option")
    if not set(ids) <= valid:
        raise bad_request("'option_ids' names an option of another poll", "bad_option")
    return sorted(ids)


def votes_visible(poll: Poll) -> bool:
    """Counts are hidden from everyone (organizer too) while a hide_results poll is open."""
    return not (poll.hide_results and poll.open)


def poll_json(poll: Poll, my_vote: list[int] | None) -> Json:
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


async def create(ctx: ActionContext, spec: NewPoll) -> int:
    """Store a new open poll in the meeting."""
    return await polls.create_poll(
        ctx.db,
        ctx.meeting.id,
        spec.question,
        spec.options,
        multi=spec.multi,
        hide_results=spec.hide_results,
        now=ctx.now,
    )


async def payload(ex: Executor, poll: Poll, meeting: Meeting) -> Json:
    """The broadcast form (it needs no further read)."""
    del ex, meeting
    return poll_json(poll, None)


async def mine(ex: Executor, poll: Poll, viewer_id: int) -> Json:
    """The options this viewer chose ([] before voting)."""
    return {"my_vote": (await polls.my_votes(ex, [poll.id], viewer_id)).get(poll.id, [])}


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's polls with this viewer's votes."""
    found = await polls.list_polls(ex, meeting_id)
    votes = await polls.my_votes(ex, [p.id for p in found], viewer_id)
    return [poll_json(p, votes.get(p.id, [])) for p in found]


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per option and voter (an option nobody chose gets one row without a voter)."""
    header = ["poll_id", "question", "multi", "status", "option_id", "option", "option_votes"]
    rows: Rows = [[*header, "total_votes", "userid", "name", "voted_at"]]
    ballots = await polls.ballot_rows(ex, meeting_id)
    users = await users_of(ex, (b["user_id"] for b in ballots))
    by_option: dict[int, list[Any]] = {}
    for b in ballots:
        by_option.setdefault(int(b["option_id"]), []).append(b)
    for poll in await polls.list_polls(ex, meeting_id):
        for opt in poll.options:
            base = [poll.id, safe(poll.question), int(poll.multi), poll.status, opt.id]
            base += [safe(opt.label), opt.votes, poll.total_votes]
            voters = by_option.get(opt.id) or [None]
            for b in voters:
                person = who(users, int(b["user_id"])) if b else ["", ""]
                rows.append([*base, *person, iso(b["created_at"]) if b else ""])
    return rows


POLL = ActivityKind(
    name="poll",
    plural="polls",
    label="poll",
    parse=new_poll,
    create=create,
    load=polls.get_poll,
    # A vote reads the poll and its meeting in one statement (the vote is the hot path).
    load_in_meeting=polls.get_poll_in_meeting,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={"question": "Ship it?", "options": ["yes", "no"]},
)


@POLL.action(
    "vote", event="updated", example=lambda poll: {"option_ids": [poll["options"][0]["id"]]}
)
async def vote(ctx: ActionContext, poll: Poll) -> Outcome:
    """`{"option_ids"}`: once per attendee (409 already_voted), while open (409 closed)."""
    chosen = option_ids(ctx.body, multi=poll.multi, valid={o.id for o in poll.options})
    try:
        await polls.cast_ballot(ctx.db, poll.id, ctx.user.id, chosen, ctx.now)
    except polls.AlreadyVoted:
        raise conflict("you already voted in this poll", "already_voted") from None
    except polls.PollClosed:
        raise closed(POLL.label) from None
    # A ballot never changes: the voter's own field is known without reading it back.
    return Outcome(mine={"my_vote": chosen})


@POLL.action("close", event="closed", organizer=True)
async def close(ctx: ActionContext, poll: Poll) -> None:
    """Close an open poll (409 closed when it already is); hidden results show."""
    try:
        await polls.close_poll(ctx.db, poll.id, ctx.now)
    except polls.PollClosed:
        raise closed(POLL.label) from None
