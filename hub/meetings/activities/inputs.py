"""Validating activity request bodies: every malformed field is a 400 naming it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.errors import bad_request
from hub.meetings.redpacket_split import MAX_COUNT, MAX_TOTAL_CENTS
from hub.validate import bool_field, int_field, text_field

MIN_OPTIONS = 2
MAX_OPTIONS = 20
MAX_WINNERS = 1_000


@dataclass(frozen=True)
class NewPoll:
    """A valid poll to create."""

    question: str
    options: tuple[str, ...]
    multi: bool
    hide_results: bool


@dataclass(frozen=True)
class NewLottery:
    """A valid lottery to create."""

    title: str
    winners: int
    exclude_previous_winners: bool
    include_organizer: bool


def new_poll(body: dict[str, Any]) -> NewPoll:
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


def option_ids(body: dict[str, Any], *, multi: bool, valid: set[int]) -> list[int]:
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


def new_lottery(body: dict[str, Any]) -> NewLottery:
    """`{"title", "winners": 1, "exclude_previous_winners": true, "include_organizer": false}`."""
    return NewLottery(
        text_field(body, "title", max_len=200),
        int_field(body, "winners", lo=1, hi=MAX_WINNERS, default=1),
        bool_field(body, "exclude_previous_winners", default=True),
        bool_field(body, "include_organizer", default=False),
    )


def new_rating(body: dict[str, Any]) -> tuple[str, int]:
    """`{"subject", "max": 5}` with max 2..10."""
    return text_field(body, "subject", max_len=200), int_field(body, "max", lo=2, hi=10, default=5)


def score(body: dict[str, Any], top: int) -> int:
    """`{"score": 1..max}`."""
    return int_field(body, "score", lo=1, hi=top)


def new_packet(body: dict[str, Any]) -> tuple[int, int]:
    """`{"total_cents", "count"}`: count 1..1000, total_cents count..20,000,000."""
    count = int_field(body, "count", lo=1, hi=MAX_COUNT)
    total = int_field(body, "total_cents", lo=count, hi=MAX_TOTAL_CENTS)
    return total, count
