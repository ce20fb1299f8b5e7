"""Polls: single or multiple choice, one ballot per attendee; `results` says when attendees see
the counts (always, after_vote, after_close, like Mentimeter); the organizer always sees them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.activities.cells import flag, iso, safe, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Outcome, Rows, closed
from hub.clock import iso_ts
from hub.errors import Invalid, bad_request, conflict
from hub.storage import polls
from hub.storage.database import Executor
from hub.storage.meetings import Meeting, get_meeting
from hub.storage.polls import Poll
from hub.validate import bool_field, text_field

MIN_OPTIONS = 2
MAX_OPTIONS = 20
MAX_OPTION_LENGTH = 100
MAX_QUESTION_LENGTH = 200
# When attendees see the counts; `hide_results: true` (the older field) means "after_close".
RESULTS = ("always", "after_vote", "after_close")


@dataclass(frozen=True)
class NewPoll:
    """A valid poll to create."""

    question: str
    options: tuple[str, ...]
    multi: bool
    hide_results: bool
    results: str = "always"
    anonymous: bool = False


def _results(body: Json) -> str:
    hidden = bool_field(body, "hide_results")
    raw = body.get("results")
    if raw is None:
        return "after_close" if hidden else "always"
    if raw not in RESULTS:
        raise bad_request(f"'results' must be one of {', '.join(RESULTS)}", "bad_results")
    if hidden and raw != "after_close":
        raise bad_request("'hide_results' means results after_close", "bad_results")
    return str(raw)


def new_poll(body: Json) -> NewPoll:
    """`{"question", "options": [2..20 distinct labels], "multi", "results", "anonymous"}`."""
    question = text_field(body, "question", max_len=MAX_QUESTION_LENGTH)
    raw = body.get("options")
    if not isinstance(raw, list) or not MIN_OPTIONS <= len(raw) <= MAX_OPTIONS:
        raise bad_request(f"'options' must be a list of {MIN_OPTIONS} to {MAX_OPTIONS} labels")
    labels: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not 1 <= len(item.strip()) <= MAX_OPTION_LENGTH:
            raise Invalid(
                "bad_option_label",
                f"each option must be a string of 1 to {MAX_OPTION_LENGTH} characters",
                max_length=MAX_OPTION_LENGTH,
            )
        labels.append(item.strip())
    if len(set(labels)) != len(labels):
        raise bad_request("options must be different from each other")
    results = _results(body)
    multi, anonymous = bool_field(body, "multi"), bool_field(body, "anonymous")
    return NewPoll(question, tuple(labels), multi, results == "after_close", results, anonymous)


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
    """Whether everyone sees the counts (the broadcast form): always-polls, and closed ones."""
    return poll.results == "always" or not poll.open


def sees_votes(poll: Poll, organizer: bool, my_vote: list[int] | None) -> bool:
    """Whether this viewer sees the counts: the organizer always, a voter of an after_vote poll."""
    if votes_visible(poll) or organizer:
        return True
    return poll.results == "after_vote" and bool(my_vote)


def poll_json(poll: Poll, my_vote: list[int] | None, *, show: bool | None = None) -> Json:
    """The poll payload; `my_vote` is None in broadcasts, [] for a viewer who has not voted;
    `show` the counts (default: as everyone sees them)."""
    show = votes_visible(poll) if show is None else show
    return {
        "id": poll.id,
        "question": poll.question,
        "multi": poll.multi,
        "hide_results": poll.hide_results,
        "results": poll.results,
        "anonymous": poll.anonymous,
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
        results=spec.results,
        anonymous=spec.anonymous,
    )


async def payload(ex: Executor, poll: Poll, meeting: Meeting) -> Json:
    """The broadcast form (it needs no further read)."""
    del ex, meeting
    return poll_json(poll, None)


async def _organizer_id(ex: Executor, meeting_id: int) -> int | None:
    meeting = await get_meeting(ex, meeting_id)
    return meeting.organizer_id if meeting else None


def _own_fields(poll: Poll, my_vote: list[int], organizer: bool) -> Json:
    """The viewer's vote, and the counts when they see more than the broadcast shows."""
    fields: Json = {"my_vote": my_vote}
    if not votes_visible(poll) and sees_votes(poll, organizer, my_vote):
        fields["options"] = poll_json(poll, my_vote, show=True)["options"]
    return fields


async def mine(ex: Executor, poll: Poll, viewer_id: int) -> Json:
    """The options this viewer chose ([] before voting), and the counts this viewer may see."""
    my_vote = (await polls.my_votes(ex, [poll.id], viewer_id)).get(poll.id, [])
    if votes_visible(poll):
        return {"my_vote": my_vote}
    organizer = await _organizer_id(ex, poll.meeting_id) == viewer_id
    return _own_fields(poll, my_vote, organizer)


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's polls with this viewer's votes (and the counts this viewer may see)."""
    found = await polls.list_polls(ex, meeting_id)
    votes = await polls.my_votes(ex, [p.id for p in found], viewer_id)
    organizer = bool(found) and await _organizer_id(ex, meeting_id) == viewer_id
    items = []
    for p in found:
        my_vote = votes.get(p.id, [])
        items.append(poll_json(p, my_vote, show=sees_votes(p, organizer, my_vote)))
    return items


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
            base = [poll.id, safe(poll.question), flag(poll.multi), poll.status, opt.id]
            base += [safe(opt.label), opt.votes, poll.total_votes]
            voters = by_option.get(opt.id) or [None]
            for b in voters:
                # An anonymous poll's ballots count, but name no one.
                named = b and not poll.anonymous
                person = who(users, int(b["user_id"])) if named else ["", ""]
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
    remove=polls.delete_unused_poll,
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
    if poll.results != "after_vote":
        # A ballot never changes: the voter's own field is known without reading it back.
        return Outcome(mine={"my_vote": chosen})
    # An after_vote poll shows the voter the counts their vote is now part of.
    fresh = await polls.get_poll(ctx.db, poll.id)
    return Outcome(mine=_own_fields(fresh or poll, chosen, organizer=False))


@POLL.action("close", event="closed", organizer=True)
async def close(ctx: ActionContext, poll: Poll) -> None:
    """Close an open poll (409 closed when it already is); hidden results show."""
    try:
        await polls.close_poll(ctx.db, poll.id, ctx.now)
    except polls.PollClosed:
        raise closed(POLL.label) from None
