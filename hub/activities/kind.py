"""What an activity kind declares (name, parsing, storage, payloads, CSV, actions), in one place.

A kind module builds one `ActivityKind` and marks its actions with `@KIND.action(...)`; the
registry in `hub.activities` lists the kinds, and the web edge serves every kind with the same
three handlers (create, read, act). Nothing here knows HTTP: refusals are `hub.errors`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from hub.cache import Cache
from hub.errors import Conflict, conflict, not_found
from hub.storage import activity_timers
from hub.storage.database import Database, Executor
from hub.storage.meetings import Meeting, get_meeting, lock_live_meeting
from hub.storage.users import User

Json = dict[str, Any]
Rows = list[Sequence[Any]]


class Activity(Protocol):
    """What the generic code reads of any kind's stored activity."""

    @property
    def id(self) -> int: ...

    @property
    def meeting_id(self) -> int: ...

    @property
    def version(self) -> int: ...


A = TypeVar("A", bound=Activity)
S = TypeVar("S")


@dataclass(frozen=True)
class ActionContext:
    """Who acts, in which meeting, with which body, and when; the access check already passed."""

    db: Database
    meeting: Meeting
    user: User
    body: Json
    now: float
    # For actions that schedule a later action of their own (hub.activities.timers).
    cache: Cache | None = None


@dataclass(frozen=True)
class Outcome:
    """What an action did, when the answer is more than "the activity as the actor sees it"."""

    # False: nothing changed (a lottery drawn before), so no frame is pushed.
    changed: bool = True
    # Answered instead of the activity (a red packet claim answers the share).
    answer: Json | None = None
    # The actor's own fields when the action knows them (a vote: the options chosen).
    mine: Json | None = None


DONE = Outcome()

ActionFn = Callable[[ActionContext, A], Awaitable[Outcome | None]]


@dataclass(frozen=True)
class Action(Generic[A]):
    """One thing done to an activity: POST /api/<plural>/{id}/<name>, then an `event` frame.

    `organizer`: only the meeting's organizer may do it (else any attendee). `when`: "open"
    while the meeting is live (409 `meeting_ended` after), "any" at any time.
    """

    name: str
    event: str
    organizer: bool
    when: Literal["open", "any"]
    run: ActionFn[A]
    # A valid body for this action, built from the activity's JSON (the contract test uses it).
    example: Callable[[Json], Json | None]

    @property
    def live(self) -> bool:
        """True when the meeting must not have ended."""
        return self.when == "open"


def _no_body(_: Json) -> Json | None:
    return None


@dataclass(frozen=True)
class ViewContext:
    """A read beyond the activity's JSON: its meeting and when; the access check already passed."""

    db: Database
    meeting: Meeting
    now: float


ViewFn = Callable[[ViewContext, A], Awaitable[Json]]


@dataclass(frozen=True)
class View(Generic[A]):
    """GET /api/<plural>/{id}/<name>: something of an activity not in its JSON (a check-in code).

    `who`: "organizer" (the meeting's organizer), "presenter" (the organizer or a screen link of
    the meeting), or "attendee" (anyone who joined).
    """

    name: str
    who: Literal["organizer", "presenter", "attendee"]
    run: ViewFn[A]


@dataclass(eq=False)
class ActivityKind(Generic[A, S]):
    """An activity kind: `name` in frames and the `kind` field, `plural` in URLs, JSON and CSV.

    `payload` is the broadcast form (per-viewer fields None); `mine` the viewer's own fields,
    laid over it in answers. `listing` builds a meeting's activities of this kind for a viewer,
    `csv_rows` the export. `created_by` says who may create one (the organizer by default).
    """

    name: str
    plural: str
    label: str  # in messages: "poll", "red packet"
    parse: Callable[[Json], S]
    create: Callable[[ActionContext, S], Awaitable[int]]
    load: Callable[[Executor, int], Awaitable[A | None]]
    payload: Callable[[Executor, A, Meeting], Awaitable[Json]]
    mine: Callable[[Executor, A, int], Awaitable[Json]]
    listing: Callable[[Executor, int, int], Awaitable[list[Json]]]
    csv_rows: Callable[[Executor, int], Awaitable[Rows]]
    # A valid create body: the contract test creates one of every registered kind with it.
    example_body: Json
    created_by: Literal["organizer", "attendee"] = "organizer"
    # The activity and its meeting in one read, where a kind's hot path needs the statement.
    load_in_meeting: Callable[[Executor, int], Awaitable[tuple[A, Meeting] | None]] | None = None
    actions: dict[str, Action[A]] = field(default_factory=dict)
    views: dict[str, View[A]] = field(default_factory=dict)
    # The organizer action a timer runs at `closes_at` (hub.activities.timers); a kind without an
    # organizer action of that name cannot be timed.
    close_action: str = "close"
    # Delete an activity nobody has used yet (DELETE /api/<plural>/{id}), inside the transaction
    # `delete_unused` opens: lock the activity's row first (as its actions do), then True when
    # deleted with its child rows, False when someone has used it (a vote, a draw, a claim),
    # which keeps it. None: never deleted.
    remove: Callable[[Executor, int], Awaitable[bool]] | None = None
    # What the meeting's end reports of an activity of this kind beyond closing it, from its
    # JSON after the close (a red packet's unclaimed shares, returned); None: nothing.
    end_report: Callable[[Json], Json | None] | None = None

    def action(
        self,
        name: str,
        *,
        event: str,
        organizer: bool = False,
        when: Literal["open", "any"] = "open",
        example: Callable[[Json], Json | None] = _no_body,
    ) -> Callable[[ActionFn[A]], ActionFn[A]]:
        """Register the decorated function as the action `name` of this kind."""

        def register(run: ActionFn[A]) -> ActionFn[A]:
            if name in self.actions:
                raise ValueError(f"{self.name} already has an action {name!r}")
            self.actions[name] = Action(name, event, organizer, when, run, example)
            return run

        return register

    def __post_init__(self) -> None:
        # Every listing (the meeting JSON, the screen, a catch-up) carries each activity's
        # `closes_at`: one statement per kind with activities (hub.activities.timers).
        own = self.listing

        async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
            items = await own(ex, meeting_id, viewer_id)
            if not items:
                return items
            ids = [int(item["id"]) for item in items]
            due = await activity_timers.due_at(ex, self.name, ids, self.close_action)
            return [{**item, "closes_at": due.get(int(item["id"]))} for item in items]

        self.listing = listing

    def view(
        self, name: str, *, who: Literal["organizer", "presenter", "attendee"] = "organizer"
    ) -> Callable[[ViewFn[A]], ViewFn[A]]:
        """Register the decorated function as the read GET /api/<plural>/{id}/`name`."""

        def register(run: ViewFn[A]) -> ViewFn[A]:
            if name in self.views or name in self.actions:
                raise ValueError(f"{self.name} already has a route {name!r}")
            self.views[name] = View(name, who, run)
            return run

        return register

    async def locate(self, ex: Executor, activity_id: int) -> tuple[A, Meeting]:
        """The activity and its meeting; NotFound naming the kind when there is none."""
        if self.load_in_meeting is not None:
            found = await self.load_in_meeting(ex, activity_id)
            if found is None:
                raise not_found(self.label)
            return found
        activity = await self.load(ex, activity_id)
        meeting = None if activity is None else await get_meeting(ex, activity.meeting_id)
        if activity is None or meeting is None:
            raise not_found(self.label)
        return activity, meeting

    async def delete_unused(self, db: Database, activity: A) -> bool:
        """Delete the activity if nobody has used it, with its timers, in one transaction; False
        (nothing changes) once someone has. MeetingEnded when the meeting ended meanwhile.

        The kind's `remove` locks the activity's row before the meeting's, in the order every
        action takes them, so a delete racing a vote or the meeting's end cannot deadlock, and
        the end never finds half an activity to close.
        """
        if self.remove is None:
            raise ValueError(f"{self.name} cannot be deleted")
        async with db.transaction() as tx:
            if not await self.remove(tx, activity.id):
                return False
            await lock_live_meeting(tx, activity.meeting_id)
            await activity_timers.forget(tx, self.name, activity.id)
        return True

    async def state(self, ex: Executor, activity: A, meeting: Meeting, viewer_id: int) -> Json:
        """The activity as `viewer_id` sees it: the payload with the viewer's own fields."""
        return {
            **await self.payload(ex, activity, meeting),
            **await self.mine(ex, activity, viewer_id),
        }


def closed(label: str) -> Conflict:
    """The activity no longer takes this action."""
    return conflict(f"the {label} is closed", "closed")
