"""What a meeting's screen presents: the organizer's choice, or the newest activity.

The organizer picks `join`, `chat`, `blank` or one activity. With the meeting setting
`auto_present` on, an activity created after that choice takes over the screen: the stored row
keeps how many activities existed when the choice was made, so "newer than the choice" needs no
hook in activity creation and survives refreshes and restarts. Votes, claims and scores create
nothing, so they never move the screen. Deleting an activity stores the choice again at the
smaller count (`after_delete`), so the rule stays true.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from hub.errors import bad_request
from hub.storage import Database
from hub.storage.database import Executor
from hub.storage.screens import StoredPresenting, get_presenting, put_presenting

MODES = ("join", "chat", "blank", "activity")
MAX_ID = 10**15


@dataclass(frozen=True)
class Presenting:
    """One screen state: a mode and, for `activity`, its kind and id."""

    show: str
    kind: str | None = None
    id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """`{"show"}`, plus `kind` and `id` for an activity (the API and frame shape)."""
        if self.show != "activity":
            return {"show": self.show}
        return {"show": self.show, "kind": self.kind, "id": self.id}

    @property
    def hook(self) -> str:
        """The screen's `data-presenting` value: `join` or `activity:<kind>:<id>`."""
        return f"activity:{self.kind}:{self.id}" if self.show == "activity" else self.show


JOIN = Presenting("join")


@dataclass(frozen=True)
class ActivityRef:
    """An activity of the meeting, as the presenting rule needs it."""

    kind: str
    id: int


def parse_presenting(body: dict[str, Any], kinds: tuple[str, ...]) -> Presenting:
    """A PUT body; 400 `bad_presenting` for anything but the four shapes."""
    show = body.get("show")
    if show not in MODES:
        raise bad_request("'show' must be join, chat, blank or activity", "bad_presenting")
    extra = set(body) - {"show", "kind", "id"}
    if extra:
        raise bad_request(f"unknown field: {sorted(extra)[0][:40]}", "bad_presenting")
    if show != "activity":
        if body.get("kind") is not None or body.get("id") is not None:
            raise bad_request("'kind' and 'id' belong to an activity only", "bad_presenting")
        return Presenting(str(show))
    kind, activity_id = body.get("kind"), body.get("id")
    if kind not in kinds:
        raise bad_request("'kind' must be an activity kind", "bad_presenting")
    if isinstance(activity_id, bool) or not isinstance(activity_id, int):
        raise bad_request("'id' must be an activity id", "bad_presenting")
    if not 0 < activity_id < MAX_ID:
        raise bad_request("'id' must be an activity id", "bad_presenting")
    return Presenting("activity", str(kind), activity_id)


def effective(
    stored: StoredPresenting | None,
    auto: bool,
    count: int,
    newest: ActivityRef | None,
    alive: Collection[ActivityRef],
) -> Presenting:
    """What the screen shows, from the stored choice, the setting and the activities now
    (`alive`: every activity the meeting still has)."""
    if auto and newest is not None and count > (stored.activities_seen if stored else 0):
        return Presenting("activity", newest.kind, newest.id)
    if stored is None:
        return JOIN
    if stored.mode == "activity":
        chosen = ActivityRef(str(stored.kind), int(stored.activity_id or 0))
        # Deleted since it was chosen: the screen falls back to the join page.
        return Presenting("activity", chosen.kind, chosen.id) if chosen in alive else JOIN
    return Presenting(stored.mode)


def after_delete(
    stored: StoredPresenting | None,
    shown: Presenting,
    auto: bool,
    count: int,
    gone: ActivityRef,
    left: int,
    alive: Collection[ActivityRef],
) -> tuple[Presenting, int]:
    """The choice to store once `gone` is deleted, and the count to store it at.

    `shown` is what the screen showed at `count` activities; `left` and `alive` are after the
    delete. The organizer's choice stays (the join page when it was `gone`), so a poll created
    by mistake and deleted gives the chat back. An activity auto_present put on screen stays
    there unless it is `gone`. The count is the one after the delete: left at the old count,
    the rule would hide the next new activity, or take the one on screen off it.
    """
    choice = effective(stored, False, 0, None, alive)
    by_rule = auto and count > (stored.activities_seen if stored else 0)
    if by_rule and shown != Presenting("activity", gone.kind, gone.id):
        return choice, left - 1
    return choice, left


async def stored_choice(ex: Executor, meeting_id: int) -> StoredPresenting | None:
    """The organizer's last explicit choice, if any."""
    return await get_presenting(ex, meeting_id)


async def choose(db: Database, meeting_id: int, choice: Presenting, count: int, now: float) -> int:
    """Store the organizer's choice, made while the meeting has `count` activities; returns
    its version (rising with every choice of the meeting)."""
    row = StoredPresenting(choice.show, choice.kind, choice.id, count, now)
    return await put_presenting(db, meeting_id, row)


def frame(presenting: Presenting, auto: bool, version: int) -> dict[str, Any]:
    """The `presenting` frame every socket of the meeting gets when the choice changes; a screen
    ignores one whose `version` is below what it shows (frames of two processes may cross)."""
    return {"type": "presenting", **presenting.as_json(), "auto_present": auto, "version": version}
