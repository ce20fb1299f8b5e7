"""Quizzes over real HTTP on SQLite and MariaDB, on a clock the test holds still: the server's
deadline refuses a late answer, and scores and ranks are exact with 300 answering at once."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.activities.quiz import points_for, ranked
from hub.clock import Clock
from hub.errors import Conflict
from hub.simulator import RunningSimulator
from hub.storage.meetings import create_meeting, end_meeting
from hub.storage.quizzes import Question, create_quiz, get_quiz, record_answer, start_question
from hub.storage.users import upsert_login
from tests.fixtures_activities import error_code, ok, room
from tests.fixtures_realtime import eventually
from tests.helpers_auth import sim_settings

CROWD = 300
QUESTIONS = [
    {"text": "2 + 2?", "options": ["3", "4", "5"], "correct": [1], "seconds": 20},
    {"text": "Even numbers?", "options": ["2", "3", "4"], "correct": [0, 2], "seconds": 20},
]


class StillClock(Clock):
    """A clock that moves only when the test moves it (answers land at exact times)."""

    def __init__(self) -> None:
        super().__init__()
        self.frozen = super().time()

    def time(self) -> float:
        return self.frozen + self.offset


def test_points_fall_from_1000_to_500_over_the_time_limit() -> None:
    q = Question("q", ("a", "b"), (1,), 20)
    assert [points_for(q, [1], 100.0, 100.0 + t) for t in (0, 10, 20, 30)] == [1000, 750, 500, 500]
    assert points_for(q, [0], 100.0, 100.0) == 0
    rows = [
        {"userid": u, "name": u, "score": s} for u, s in [("a", 9), ("b", 5), ("c", 5), ("d", 1)]
    ]
    assert [r["rank"] for r in ranked(rows)] == [1, 2, 2, 4]


async def _post(browser: Any, url: str, body: Any) -> tuple[int, Any]:
    async with browser.post(url, json=body) as resp:
        return resp.status, await resp.json()


async def test_deadline_and_exact_scores_with_300_answering_at_once(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    clock = StillClock()
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url), clock)
    async with room(client, sim.url, CROWD) as r:
        body = {"title": "热身", "questions": QUESTIONS}
        quiz = await ok(await client.post(f"/api/meetings/{r.number}/quizzes", json=body), 201)
        url = f"/api/quizzes/{quiz['id']}"
        expected = {f"a{i}": 0 for i in range(CROWD - 1)}  # a299 answers nothing in time

        # Question 0, answered at once (t = 0): a correct answer earns 1000, each sent twice.
        started = await ok(await client.post(f"{url}/next", json={}))
        assert started["phase"] == "question" and started["question"]["correct"] is None
        calls = []
        for i, browser in enumerate(r.attendees[:-1]):
            choice = [1] if i % 3 else [2]
            expected[f"a{i}"] += 1000 if i % 3 else 0
            answer = {"question": 0, "options": choice}
            calls += [_post(browser, f"{url}/answer", answer) for _ in range(2)]
        results = await asyncio.gather(*calls)
        assert sorted(s for s, _ in results) == [200] * (CROWD - 1) + [409] * (CROWD - 1)
        assert {b["error"]["code"] for s, b in results if s == 409} == {"already_answered"}

        # One second past the deadline, by the server's clock: refused, whatever the phone says.
        clock.offset += 21
        late = await r.attendees[-1].post(f"{url}/answer", json={"question": 0, "options": [1]})
        assert await error_code(late, 409) == "too_late"

        async def revealed() -> bool:
            got = await ok(await client.get(url))
            return bool(got["phase"] == "results")

        await eventually(revealed, within=5)  # the question's timer ran `reveal`
        shown = await ok(await client.get(url))
        wrong = len(range(0, CROWD - 1, 3))
        assert shown["distribution"] == [0, CROWD - 1 - wrong, wrong]
        assert shown["question"]["correct"] == [1]

        # Question 1, answered 10 s in: 750 for exactly the correct options.
        await ok(await client.post(f"{url}/next", json={}))
        clock.offset += 10
        calls = []
        for i, browser in enumerate(r.attendees[:-1]):
            choice = [0, 2] if i % 2 else [0]
            expected[f"a{i}"] += 750 if i % 2 else 0
            calls.append(_post(browser, f"{url}/answer", {"question": 1, "options": choice}))
        assert {s for s, _ in await asyncio.gather(*calls)} == {200}
        await ok(await client.post(f"{url}/close", json={}))

        final = await ok(await client.get(url))
        want = ranked(
            [
                {"userid": u, "name": u, "score": s}
                for u, s in sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
        )
        got = [{k: e[k] for k in ("userid", "score", "rank")} for e in final["leaderboard"]]
        assert got == [{k: e[k] for k in ("userid", "score", "rank")} for e in want]
        assert final["podium"] == final["leaderboard"][:3] and final["status"] == "closed"
        # Each phone: its own score, and its rank in the leaderboard.
        for i in (0, 1, 2, 3, 150, 298):
            mine = await ok(await r.attendees[i].get(url))
            assert mine["my_score"] == expected[f"a{i}"]


async def test_an_answer_after_the_end_is_refused_inside_the_transaction(db: Any) -> None:
    user = await upsert_login(db, "qz-org", "", 1.0)
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, 4244, "m", user.id, 1.0)
    quiz_id = await create_quiz(db, meeting.id, "t", [Question("q", ("a", "b"), (0,), 20)], 2.0)
    quiz = await get_quiz(db, quiz_id)
    assert quiz is not None and await start_question(db, quiz, 0, 2.0, 100.0)
    await end_meeting(db, meeting.id, 3.0)
    try:
        await record_answer(db, quiz_id, 0, user.id, [0], 1000, 4.0)
    except Conflict as exc:
        assert exc.code == "meeting_ended"
    else:
        raise AssertionError("an answer landed after the end")
    assert await db.fetchval("SELECT COUNT(*) FROM quiz_answer") == 0
