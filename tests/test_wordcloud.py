"""Word clouds over real HTTP on SQLite and MariaDB: normalised, exact counts under 300 at once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from hub.activities.wordcloud import normalise, words_of
from hub.errors import Conflict
from hub.simulator import RunningSimulator
from hub.storage.meetings import create_meeting, end_meeting
from hub.storage.users import upsert_login
from hub.storage.wordclouds import add_words, create_wordcloud
from tests.fixtures_activities import error_code, ok, room
from tests.helpers_auth import sim_settings

CROWD = 300
# Spellings of the same few words: every row of a group normalises to the group's first form.
SPELLINGS = [
    ["ai", "AI", "ＡＩ", " Ai "],
    ["云计算", "云计算 ", "　云计算"],
    ["open source", "Open  Source", "ＯＰＥＮ source"],
    ["straße", "STRASSE", "strasse"],
]


def test_normalise_folds_width_case_and_space() -> None:
    for group in SPELLINGS:
        assert {normalise(w) for w in group} == {normalise(group[0])}, group


async def test_300_submitters_give_exact_normalised_counts(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, CROWD) as r:
        body = {"prompt": "你想到什么？", "max_entries": 3}
        cloud = await ok(await client.post(f"/api/meetings/{r.number}/wordclouds", json=body), 201)
        url = f"/api/wordclouds/{cloud['id']}/submit"
        rng = random.Random(19)
        expected: Counter[str] = Counter()
        plans = []
        for _ in r.attendees:
            groups = rng.sample(range(len(SPELLINGS)), rng.randint(1, 3))
            # Two spellings of one word in one submission still count once for this person.
            words = [rng.choice(SPELLINGS[g]) for g in groups] + [rng.choice(SPELLINGS[groups[0]])]
            plans.append(words)
            expected.update(normalise(SPELLINGS[g][0]) for g in groups)

        async def submit(browser: Any, words: list[str]) -> int:
            async with browser.post(url, json={"words": words}) as resp:
                status: int = resp.status
                return status

        statuses = await asyncio.gather(
            *(submit(b, w) for b, w in zip(r.attendees, plans, strict=True))
        )
        assert set(statuses) == {200}
        final = await ok(await client.get(f"/api/wordclouds/{cloud['id']}"))
        assert final["counts"] == dict(expected)
        assert final["people"] == CROWD

        # A person's later words count within their max; past it, refused and nothing stored.
        a0 = r.attendees[0]
        left = 3 - len(set(normalise(w) for w in plans[0]))
        extra = [f"w{i}" for i in range(left + 1)]
        assert await error_code(await a0.post(url, json={"words": extra}), 409) == "too_many_words"
        assert await error_code(await a0.post(url, json={"words": ["x" * 21]}), 400) == "bad_word"
        again = await ok(await client.get(f"/api/wordclouds/{cloud['id']}"))
        assert again["counts"] == dict(expected)

        csv_text = await (
            await client.get(f"/api/meetings/{r.number}/export.csv", params={"kind": "wordclouds"})
        ).text()
        assert f"{normalise('AI')}" in csv_text and str(expected[normalise("AI")]) in csv_text


def test_blocked_words_are_dropped_in_any_spelling() -> None:
    blocked = ["ＢＡＤ"]
    assert words_of({"words": ["bad", "Bad words", "good", "GOOD"]}, blocked) == ["good"]
    assert words_of({"words": ["ok"]}, []) == ["ok"]


async def test_words_after_the_end_are_refused_inside_the_transaction(db: Any) -> None:
    user = await upsert_login(db, "wc-org", "", 1.0)
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, 4242, "m", user.id, 1.0)
    cloud = await create_wordcloud(db, meeting.id, "p", 3, 2.0)
    await end_meeting(db, meeting.id, 3.0)
    try:
        await add_words(db, cloud, user.id, ["late"], 4.0)
    except Conflict as exc:
        assert exc.code == "meeting_ended"
    else:
        raise AssertionError("a word landed after the end")
    assert await db.fetchval("SELECT COUNT(*) FROM wordcloud_entry") == 0
