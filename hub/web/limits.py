"""`GET /api/limits`: the bounds forms show before submit, read from the modules that enforce
them (one source of truth per limit), so a page never learns a limit from a refusal."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.activities import lottery, poll, quiz, wordcloud
from hub.meetings import redpacket_split
from hub.realtime import chat


def limits_json() -> dict[str, Any]:
    """Every limit a create form or the chat box shows; money in cents (`*_cents`)."""
    return {
        "poll": {
            "options_min": poll.MIN_OPTIONS,
            "options_max": poll.MAX_OPTIONS,
            "option_length": poll.MAX_OPTION_LENGTH,
            "question_length": poll.MAX_QUESTION_LENGTH,
            "results": list(poll.RESULTS),
        },
        "lottery": {
            "winners_max": lottery.MAX_WINNERS,
            # Also at most who could win now: each lottery's `eligible_count`; a lottery
            # asking for more is refused when created (409 not_enough_attendees).
            "winners_at_most_eligible": True,
        },
        "redpacket": {
            "count_min": redpacket_split.MIN_COUNT,
            "count_max": redpacket_split.MAX_COUNT,
            # At least one cent a share.
            "total_min_cents_per_share": 1,
            "total_max_cents": redpacket_split.MAX_TOTAL_CENTS,
        },
        "wordcloud": {"word_length": wordcloud.MAX_WORD, "entries_max": wordcloud.MAX_ENTRIES},
        "quiz": {
            "questions_max": quiz.MAX_QUESTIONS,
            "seconds_min": quiz.MIN_SECONDS,
            "seconds_max": quiz.MAX_SECONDS,
        },
        "chat": {"text_length": chat.MAX_TEXT},
    }


def form_limits() -> dict[str, dict[str, dict[str, int]]]:
    """The same bounds keyed by each create form's field names, as the page applies them
    (`static/js/limits.js`: `{kind: {field: {min, max, max_length, max_cents, max_lines}}}`)."""
    return {
        "poll": {
            "question": {"max_length": poll.MAX_QUESTION_LENGTH},
            "options": {"max_lines": poll.MAX_OPTIONS},
        },
        "lottery": {"winners": {"min": 1, "max": lottery.MAX_WINNERS}},
        "redpacket": {
            "total": {"max_cents": redpacket_split.MAX_TOTAL_CENTS},
            "count": {"min": redpacket_split.MIN_COUNT, "max": redpacket_split.MAX_COUNT},
        },
        "wordcloud": {"max_entries": {"min": 1, "max": wordcloud.MAX_ENTRIES}},
        "quiz": {
            "questions": {"max_lines": quiz.MAX_QUESTIONS},
            "seconds": {"min": quiz.MIN_SECONDS, "max": quiz.MAX_SECONDS},
        },
    }


async def get_limits(request: web.Request) -> web.Response:
    """GET /api/limits: the same for everyone; cached by browsers for an hour."""
    del request
    return web.json_response(limits_json(), headers={"Cache-Control": "public, max-age=3600"})


def setup_limits(app: web.Application) -> None:
    """Register the limits route."""
    app.router.add_get("/api/limits", get_limits, name="api_limits")
