"""Word clouds: a prompt, up to N words per attendee, counted by their normalised form.

"AI", "ai" and "ＡＩ" are one word: entries are NFKC-normalised (full-width to half-width),
case-folded and trimmed (inner runs of spaces become one). One person's word counts once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from hub.activities.cells import iso, safe, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Outcome, Rows, closed
from hub.clock import iso_ts
from hub.errors import bad_request, conflict
from hub.meetings.settings import SETTINGS, meeting_settings
from hub.storage import wordclouds
from hub.storage.database import Executor
from hub.storage.meetings import Meeting
from hub.storage.wordclouds import WordCloud
from hub.validate import int_field, text_field

# The moderation list's key in the meeting settings (hub.meetings.settings), when declared.
BLOCKED_WORDS = "blocked_words"
MAX_WORD = 20
MAX_ENTRIES = 5
_SPACES = re.compile(r"\s+")


def normalise(word: str) -> str:
    """The form a word is counted under: NFKC, case-folded, trimmed, single spaces."""
    folded = unicodedata.normalize("NFKC", word).casefold()
    # Case-folding may produce sequences NFKC would compose ("ǰ"): normalise once more.
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", folded)).strip()


def new_wordcloud(body: Json) -> tuple[str, int]:
    """`{"prompt", "max_entries": 1..5}` (3 when absent)."""
    prompt = text_field(body, "prompt", max_len=200)
    return prompt, int_field(body, "max_entries", lo=1, hi=MAX_ENTRIES, default=3)


def words_of(body: Json, blocked: Iterable[str] = ()) -> list[str]:
    """`{"words": [1..5 strings]}`, normalised and deduplicated in order; blocked words dropped.

    Each word must be 1 to 20 characters once normalised (400 `bad_word` names it).
    """
    raw = body.get("words")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ENTRIES:
        raise bad_request(f"'words' must be a list of 1 to {MAX_ENTRIES} words", "bad_words")
    stop = [normalise(b) for b in blocked if normalise(b)]
    found: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise bad_request("each word must be a string", "bad_word")
        word = normalise(item)
        if not 1 <= len(word) <= MAX_WORD:
            raise bad_request(f"each word must be 1 to {MAX_WORD} characters", "bad_word")
        if word not in found and not any(b in word for b in stop):
            found.append(word)
    return found


def wordcloud_json(cloud: WordCloud, my_words: list[str] | None) -> Json:
    """The payload; `counts` maps each normalised word to how many people gave it, in the order
    words first appeared (so a screen can keep every word where it was as counts change)."""
    return {
        "id": cloud.id,
        "prompt": cloud.prompt,
        "max_entries": cloud.max_entries,
        "status": cloud.status,
        "counts": dict(cloud.counts),
        "people": cloud.people,
        "my_words": my_words,
        "created_at": iso_ts(cloud.created_at),
        "closed_at": iso_ts(cloud.closed_at),
        "version": cloud.version,
    }


async def create(ctx: ActionContext, spec: tuple[str, int]) -> int:
    """Store a new open word cloud in the meeting."""
    prompt, max_entries = spec
    return await wordclouds.create_wordcloud(ctx.db, ctx.meeting.id, prompt, max_entries, ctx.now)


async def payload(ex: Executor, cloud: WordCloud, meeting: Meeting) -> Json:
    """The broadcast form (it needs no further read)."""
    del ex, meeting
    return wordcloud_json(cloud, None)


async def mine(ex: Executor, cloud: WordCloud, viewer_id: int) -> Json:
    """The words this viewer gave ([] before giving any)."""
    return {"my_words": (await wordclouds.my_words(ex, [cloud.id], viewer_id)).get(cloud.id, [])}


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's word clouds with this viewer's words."""
    found = await wordclouds.list_wordclouds(ex, meeting_id)
    words = await wordclouds.my_words(ex, [c.id for c in found], viewer_id)
    return [wordcloud_json(c, words.get(c.id, [])) for c in found]


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per word and person who gave it, with the word's count."""
    header = ["wordcloud_id", "prompt", "status", "word", "count", "userid", "name", "given_at"]
    rows: Rows = [header]
    entries = await wordclouds.entry_rows(ex, meeting_id)
    users = await users_of(ex, (e["user_id"] for e in entries))
    clouds = {c.id: c for c in await wordclouds.list_wordclouds(ex, meeting_id)}
    for e in entries:
        cloud = clouds[int(e["wordcloud_id"])]
        word = str(e["word"])
        base = [cloud.id, safe(cloud.prompt), cloud.status, safe(word), dict(cloud.counts)[word]]
        rows.append([*base, *who(users, int(e["user_id"])), iso(e["created_at"])])
    for cloud in clouds.values():
        if not cloud.counts:  # a cloud nobody answered still has its row
            rows.append([cloud.id, safe(cloud.prompt), cloud.status, "", 0, "", "", ""])
    return rows


WORDCLOUD = ActivityKind(
    name="wordcloud",
    plural="wordclouds",
    label="word cloud",
    parse=new_wordcloud,
    create=create,
    load=wordclouds.get_wordcloud,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={"prompt": "One word for today?", "max_entries": 3},
    remove=wordclouds.delete_unused_wordcloud,  # nobody gave a word
)


@WORDCLOUD.action("submit", event="updated", example=lambda _: {"words": ["AI", "ＡＩ", "云"]})
async def submit(ctx: ActionContext, cloud: WordCloud) -> Outcome:
    """`{"words"}`: counted once per person and word, up to `max_entries` in all (409 after)."""
    words = words_of(ctx.body, await blocked_words(ctx))
    if not words:
        return Outcome(changed=False, mine={"my_words": await _mine_now(ctx, cloud)})
    try:
        given = await wordclouds.add_words(ctx.db, cloud.id, ctx.user.id, words, ctx.now)
    except wordclouds.TooManyWords as exc:
        raise conflict(
            f"you may give {cloud.max_entries} words; {exc.left} left", "too_many_words"
        ) from None
    except wordclouds.CloudClosed:
        raise closed(WORDCLOUD.label) from None
    return Outcome(mine={"my_words": given})


async def _mine_now(ctx: ActionContext, cloud: WordCloud) -> list[str]:
    return (await wordclouds.my_words(ctx.db, [cloud.id], ctx.user.id)).get(cloud.id, [])


async def blocked_words(ctx: ActionContext) -> list[str]:
    """The meeting's blocked words, once meeting settings declare such a list (none before)."""
    if BLOCKED_WORDS not in SETTINGS:
        return []
    found = (await meeting_settings(ctx.db, ctx.meeting.id)).get(BLOCKED_WORDS) or []
    return [str(word) for word in found]


@WORDCLOUD.action("close", event="closed", organizer=True)
async def close(ctx: ActionContext, cloud: WordCloud) -> None:
    """Close an open word cloud (409 closed when it already is)."""
    try:
        await wordclouds.close_wordcloud(ctx.db, cloud.id, ctx.now)
    except wordclouds.CloudClosed:
        raise closed(WORDCLOUD.label) from None
