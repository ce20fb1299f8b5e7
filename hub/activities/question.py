"""Audience Q&A: attendees ask (anonymously if the meeting allows), everyone upvotes once.

What a viewer may see decides every payload: a pending question (moderation) is seen only by its
author and the organizer; a hidden or deleted one carries no text to the audience; an anonymous
one never names its author to anyone, the organizer included (its JSON, frames and CSV).
"""

from __future__ import annotations

from hub.activities.cells import flag, iso, safe, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Rows, closed
from hub.clock import iso_ts
from hub.errors import forbidden, not_found
from hub.meetings.moderation import mask
from hub.meetings.settings import BLOCKED_WORDS, QA, QA_ANONYMOUS, QA_MODERATION, meeting_settings
from hub.storage import questions
from hub.storage.database import Executor
from hub.storage.meetings import Meeting, get_meeting
from hub.storage.questions import Question
from hub.storage.users import get_users
from hub.validate import bool_field, text_field

MAX_TEXT = 300
# Statuses whose text the audience does not see.
_UNSEEN = ("pending", "hidden", "deleted")


def new_question(body: Json) -> tuple[str, bool]:
    """`{"text": 1..300 characters, "anonymous": false}`."""
    return text_field(body, "text", max_len=MAX_TEXT), bool_field(body, "anonymous")


def question_json(question: Question, author: str | None) -> Json:
    """The broadcast form: no text for a question the audience does not see, no author when
    anonymous; `my_upvote` and `mine` are the viewer's own (None here)."""
    seen = question.status not in _UNSEEN
    return {
        "id": question.id,
        "text": question.text if seen else "",
        "anonymous": question.anonymous,
        "author": None if question.anonymous or not seen else author,
        "status": question.status,
        "answered": question.answered,
        "highlighted": question.highlighted,
        "upvotes": question.upvotes,
        "created_at": iso_ts(question.created_at),
        "version": question.version,
        "my_upvote": None,
        "mine": None,
    }


async def _author_name(ex: Executor, question: Question) -> str | None:
    if question.anonymous:
        return None
    user = (await get_users(ex, {question.user_id})).get(question.user_id)
    return user.name if user else None


async def create(ctx: ActionContext, spec: tuple[str, bool]) -> int:
    """Store a question as the meeting's settings allow (Q&A on; anonymous allowed)."""
    text, anonymous = spec
    settings = await meeting_settings(ctx.db, ctx.meeting.id)
    if not settings[QA.name]:
        raise forbidden("questions are turned off in this meeting", "qa_off")
    if anonymous and not settings[QA_ANONYMOUS.name]:
        raise forbidden("anonymous questions are turned off in this meeting", "anonymous_off")
    status = "pending" if settings[QA_MODERATION.name] else "open"
    clean = mask(text, [str(w) for w in settings[BLOCKED_WORDS.name]])
    return await questions.create_question(
        ctx.db, ctx.meeting.id, ctx.user.id, clean, anonymous, status, ctx.now
    )


async def payload(ex: Executor, question: Question, meeting: Meeting) -> Json:
    """The broadcast form."""
    del meeting
    return question_json(question, await _author_name(ex, question))


def _own_fields(question: Question, viewer_id: int, organizer_id: int, upvoted: bool) -> Json:
    mine = question.user_id == viewer_id
    fields: Json = {"my_upvote": upvoted, "mine": mine}
    # The author and the organizer read what the audience does not see yet (not deleted text).
    if question.status in ("pending", "hidden") and (mine or viewer_id == organizer_id):
        fields["text"] = question.text
    return fields


async def mine(ex: Executor, question: Question, viewer_id: int) -> Json:
    """This viewer's fields; a pending question is no one else's to see (404).

    The author, and anyone on a shown question, need no meeting read; nobody upvoted a question
    at 0 (both keep an asker's create within the statement budget).
    """
    organizer_id = -1
    if question.user_id != viewer_id and question.status in ("pending", "hidden"):
        meeting = await get_meeting(ex, question.meeting_id)
        organizer_id = meeting.organizer_id if meeting else -1
        if question.status == "pending" and viewer_id != organizer_id:
            raise not_found(QUESTION.label)
    upvoted = question.upvotes > 0 and question.id in await questions.my_upvotes(
        ex, [question.id], viewer_id
    )
    return _own_fields(question, viewer_id, organizer_id, upvoted)


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's questions this viewer may see, oldest first (clients sort)."""
    meeting = await get_meeting(ex, meeting_id)
    organizer_id = meeting.organizer_id if meeting else -1
    found = [
        q
        for q in await questions.list_questions(ex, meeting_id)
        if q.status != "pending" or viewer_id in (q.user_id, organizer_id)
    ]
    upvoted = await questions.my_upvotes(ex, [q.id for q in found], viewer_id)
    users = await users_of(ex, (q.user_id for q in found if not q.anonymous))
    out = []
    for q in found:
        author = users.get(q.user_id)
        data = question_json(q, author.name if author and not q.anonymous else None)
        out.append({**data, **_own_fields(q, viewer_id, organizer_id, q.id in upvoted)})
    return out


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per question; an anonymous one's asker cells stay empty."""
    rows: Rows = [
        [
            "question_id",
            "text",
            "status",
            "answered",
            "upvotes",
            "anonymous",
            "userid",
            "name",
            "asked_at",
        ]
    ]
    found = await questions.list_questions(ex, meeting_id)
    users = await users_of(ex, (q.user_id for q in found if not q.anonymous))
    for q in found:
        person = ["", ""] if q.anonymous else who(users, q.user_id)
        rows.append(
            [
                q.id,
                safe(q.text),
                q.status,
                flag(q.answered),
                q.upvotes,
                flag(q.anonymous),
                *person,
                iso(q.created_at),
            ]
        )
    return rows


QUESTION = ActivityKind(
    name="question",
    plural="questions",
    label="question",
    parse=new_question,
    create=create,
    load=questions.get_question,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={"text": "When is the next release?", "anonymous": True},
    created_by="attendee",
)


async def _vote(ctx: ActionContext, question: Question, up: bool) -> None:
    try:
        if up:
            await questions.upvote(ctx.db, question.id, ctx.user.id, ctx.now)
        else:
            await questions.unvote(ctx.db, question.id, ctx.user.id)
    except questions.QuestionClosed:
        raise closed(QUESTION.label) from None


@QUESTION.action("upvote", event="updated")
async def upvote(ctx: ActionContext, question: Question) -> None:
    """Upvote once (a repeat changes nothing); 409 closed unless the question is shown."""
    await _vote(ctx, question, True)


@QUESTION.action("unvote", event="updated")
async def unvote(ctx: ActionContext, question: Question) -> None:
    """Take the upvote back (none given changes nothing)."""
    await _vote(ctx, question, False)


async def _organizer_sets(
    ctx: ActionContext,
    question: Question,
    *,
    status: str | None = None,
    answered: bool | None = None,
    highlighted: bool | None = None,
) -> None:
    changed = await questions.set_state(
        ctx.db, question.id, status=status, answered=answered, highlighted=highlighted
    )
    if not changed:  # deleted before
        raise closed(QUESTION.label)


@QUESTION.action("answer", event="answered", organizer=True)
async def answer(ctx: ActionContext, question: Question) -> None:
    """`{"answered": true}` (the default) marks it answered; false takes that back."""
    value = bool_field(ctx.body, "answered", default=True)
    await _organizer_sets(ctx, question, answered=value)


@QUESTION.action("highlight", event="highlighted", organizer=True)
async def highlight(ctx: ActionContext, question: Question) -> None:
    """`{"highlighted": true}` (the default): the screen shows it large; false takes it back."""
    value = bool_field(ctx.body, "highlighted", default=True)
    await _organizer_sets(ctx, question, highlighted=value)


@QUESTION.action("hide", event="hidden", organizer=True)
async def hide(ctx: ActionContext, question: Question) -> None:
    """Hide it from the audience (the organizer still reads it; approve shows it again)."""
    await _organizer_sets(ctx, question, status="hidden", highlighted=False)


@QUESTION.action("approve", event="approved", organizer=True)
async def approve(ctx: ActionContext, question: Question) -> None:
    """Show a pending or hidden question to everyone."""
    await _organizer_sets(ctx, question, status="open")


@QUESTION.action("delete", event="deleted", organizer=True, when="any")
async def delete(ctx: ActionContext, question: Question) -> None:
    """Delete it for everyone (its row stays, marked deleted, text no longer shown)."""
    await _organizer_sets(ctx, question, status="deleted", highlighted=False)
