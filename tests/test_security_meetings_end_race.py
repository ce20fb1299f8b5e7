"""F7: the end of a meeting is final: every write racing `POST end` lands before it or is
refused, and every socket, even one that connects during the end, closes with 4409."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from hub.errors import Conflict
from hub.keys import DB
from hub.realtime.rooms import MEETING_ENDED
from hub.simulator import RunningSimulator
from hub.storage import Database
from hub.storage.chat import add_message
from hub.storage.checkins import check_in, create_checkin
from hub.storage.lotteries import create_lottery, draw_lottery, get_lottery
from hub.storage.meetings import (
    MeetingEnded,
    create_meeting,
    end_meeting,
    end_meeting_locked,
    join_meeting,
)
from hub.storage.polls import cast_ballot, create_poll, get_poll
from hub.storage.questions import create_question, upvote
from hub.storage.quizzes import Question as QuizQuestion
from hub.storage.quizzes import create_quiz, get_quiz, record_answer, start_question
from hub.storage.ratings import create_rating, set_score
from hub.storage.redpackets import claim_share, create_redpacket
from hub.storage.users import upsert_login
from hub.storage.wordclouds import add_words, create_wordcloud
from tests.conftest import AppClient
from tests.fixtures_activities import ok
from tests.fixtures_realtime import frame_of, origin
from tests.helpers_auth import login, new_browser, sim_settings

ROUNDS = 20
VOTERS = 4
# Rows written after the meeting's end, by table: what each write stores with its time.
LATE_WRITES = {
    "chat": "SELECT COUNT(*) FROM chat_message WHERE meeting_id = ? AND created_at > ?",
    "join": "SELECT COUNT(*) FROM attendee WHERE meeting_id = ? AND joined_at > ?",
    "poll": "SELECT COUNT(*) FROM poll WHERE meeting_id = ? AND created_at > ?",
    "vote": "SELECT COUNT(*) FROM ballot b JOIN poll p ON p.id = b.poll_id"
    " WHERE p.meeting_id = ? AND b.created_at > ?",
    "score": "SELECT COUNT(*) FROM rating_score s JOIN rating r ON r.id = s.rating_id"
    " WHERE r.meeting_id = ? AND s.updated_at > ?",
    "claim": "SELECT COUNT(*) FROM red_packet_share s JOIN red_packet p ON p.id = s.packet_id"
    " WHERE p.meeting_id = ? AND s.claimed_at > ?",
    "draw": "SELECT COUNT(*) FROM lottery WHERE meeting_id = ? AND drawn_at > ?",
}


async def _status(resp_coro: Any) -> int:
    resp = await resp_coro
    await resp.read()
    status: int = resp.status
    return status


async def _socket_outcome(browser: aiohttp.ClientSession, number: str, headers: Any) -> str:
    """Open a socket (during the end), chat on it, and report how it ended: refused, or the
    close code; "open" if it is still open after the end."""
    try:
        ws = await browser.ws_connect(f"/ws/meetings/{number}", headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return f"refused {exc.status}"
    async with ws:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_json({"type": "chat", "text": "late?"})
        try:
            while True:
                msg = await ws.receive(timeout=15)
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    return f"closed {msg.data}" if msg.type is aiohttp.WSMsgType.CLOSE else "gone"
        except TimeoutError:
            return "open"


async def test_nothing_lands_after_the_end_in_20_rounds(
    sim: RunningSimulator, make_settings: Any, hub_client: AppClient, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    db = client.app[DB]
    await login(client, sim.url, "org")
    headers = origin(client)
    names = [f"v{i}" for i in range(VOTERS)] + ["late1", "late2"]
    browsers = [new_browser(client) for _ in names]
    late = {name: 0 for name in LATE_WRITES}
    outcomes: list[str] = []
    statuses: collections.Counter[int] = collections.Counter()
    try:
        await asyncio.gather(*(login(b, sim.url, n) for b, n in zip(browsers, names, strict=True)))
        voters, joiners = browsers[:VOTERS], browsers[VOTERS:]
        for round_ in range(ROUNDS):
            made = await ok(await client.post("/api/meetings", json={"title": "race"}), 201)
            number = made["number"]
            base = f"/api/meetings/{number}"
            for b in voters:
                await ok(await b.post(f"{base}/join"))
            poll = await ok(
                await client.post(f"{base}/polls", json={"question": "q", "options": ["a", "b"]}),
                201,
            )
            packet = await ok(
                await client.post(f"{base}/redpackets", json={"total_cents": 500, "count": 50}),
                201,
            )
            rating = await ok(await client.post(f"{base}/ratings", json={"subject": "s"}), 201)
            lottery = await ok(await client.post(f"{base}/lotteries", json={"title": "l"}), 201)
            sockets = [
                await b.ws_connect(f"/ws/meetings/{number}", headers=headers) for b in voters
            ]
            for ws in sockets:
                await frame_of(ws, "hello")
            option = poll["options"][0]["id"]
            writes = []
            for b in voters:
                writes += [
                    b.post(f"/api/polls/{poll['id']}/vote", json={"option_ids": [option]}),
                    b.post(f"/api/redpackets/{packet['id']}/claim"),
                    b.post(f"/api/ratings/{rating['id']}/score", json={"score": 4}),
                ]
            writes += [b.post(f"{base}/join") for b in joiners]
            writes += [
                client.post(f"{base}/polls", json={"question": "late", "options": ["x", "y"]}),
                client.post(f"/api/lotteries/{lottery['id']}/draw"),
            ]
            # The end goes out somewhere among the writes: before, between or after them.
            writes.insert(round_ * len(writes) // (ROUNDS - 1), client.post(f"{base}/end"))
            chats = [ws.send_json({"type": "chat", "text": "now"}) for ws in sockets]
            opened = [_socket_outcome(b, number, headers) for b in voters]
            results = await asyncio.gather(
                *(_status(w) for w in writes), *chats, *opened, *(_close_of(ws) for ws in sockets)
            )
            statuses.update(r for r in results[: len(writes)] if isinstance(r, int))
            outcomes += [r for r in results[len(writes) :] if isinstance(r, str)]
            meeting = await db.fetchone(
                "SELECT id, ended_at FROM meeting WHERE number = ? ORDER BY id DESC LIMIT 1",
                (number,),
            )
            assert meeting and meeting["ended_at"] is not None
            for name, sql in LATE_WRITES.items():
                late[name] += int(await db.fetchval(sql, (meeting["id"], meeting["ended_at"])))
            for ws in sockets:
                await ws.close()
    finally:
        await asyncio.gather(*(b.close() for b in browsers))
    assert late == {name: 0 for name in LATE_WRITES}
    # Every racing write landed (2xx) or was refused as too late (409; 404 for a join, whose
    # refusal looks like a free number); nothing failed.
    assert set(statuses) <= {200, 201, 404, 409}, statuses
    # And it was a race: some writes landed before the end and some came too late.
    assert statuses[409] > 0 and statuses[200] > 0, statuses
    # Sockets opened during the end were refused or closed with the ended code; none stays open.
    assert "open" not in outcomes
    assert set(outcomes) <= {"refused 409", f"closed {MEETING_ENDED}"}, set(outcomes)


async def _close_of(ws: aiohttp.ClientWebSocketResponse) -> str:
    """How a socket open before the end was closed (its close code), or "open"."""
    try:
        while True:
            msg = await ws.receive(timeout=15)
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return f"closed {msg.data}" if msg.type is aiohttp.WSMsgType.CLOSE else "gone"
    except TimeoutError:
        return "open"


async def test_every_write_checked_before_an_end_is_refused_inside_its_transaction(
    db: Database,
) -> None:
    """The interleaving the race test hunts for, made certain: a write whose caller saw the
    meeting live reaches the database after the end committed, and stores nothing."""
    now = time.time()
    org = await upsert_login(db, "org", None, now)
    voter = await upsert_login(db, "voter", None, now)
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, 4242, "t", org.id, now)
    await join_meeting(db, meeting.id, voter.id, now)
    await add_message(db, meeting.id, voter.id, "before", "hi", now)
    poll_id = await create_poll(
        db, meeting.id, "q", ["a", "b"], multi=False, hide_results=False, now=now
    )
    poll = await get_poll(db, poll_id)
    rating_id = await create_rating(db, meeting.id, "s", 5, now)
    packet_id = await create_redpacket(db, meeting.id, [1, 1, 1], now)
    lottery_options = {"exclude_previous_winners": False, "include_organizer": True}
    lottery_id = await create_lottery(db, meeting.id, "l", 1, **lottery_options, now=now)
    lottery = await get_lottery(db, lottery_id)
    assert poll and lottery
    # The end commits now; every write below was "checked" before it.
    assert await end_meeting_locked(db, meeting.id, time.time) is not None
    later = time.time()
    writes = [
        add_message(db, meeting.id, voter.id, "after", "late", later),
        cast_ballot(db, poll_id, voter.id, [poll.options[0].id], later),
        set_score(db, rating_id, voter.id, 4, later),
        claim_share(db, packet_id, voter.id, later),
        draw_lottery(db, lottery, org.id, later),
        create_poll(db, meeting.id, "q", ["a", "b"], multi=False, hide_results=False, now=later),
        create_rating(db, meeting.id, "s", 5, later),
        create_redpacket(db, meeting.id, [1], later),
        create_lottery(
            db,
            meeting.id,
            "l",
            1,
            exclude_previous_winners=False,
            include_organizer=True,
            now=later,
        ),
    ]
    for write in writes:
        with pytest.raises(MeetingEnded):
            await write
    late = await upsert_login(db, "late", None, later)
    assert not await join_meeting(db, meeting.id, late.id, later)
    ended_at = await db.fetchval("SELECT ended_at FROM meeting WHERE id = ?", (meeting.id,))
    for name, sql in LATE_WRITES.items():
        assert int(await db.fetchval(sql, (meeting.id, ended_at))) == 0, name


# Every write of a live meeting, sent while the end holds the meeting row (`Write` makes one).
Write = Callable[[], Awaitable[object]]


async def _writes_of_a_live_meeting(db: Database, number: int) -> tuple[int, dict[str, Write]]:
    """A fresh meeting with one of every activity, and each write anyone may send to it."""
    now = time.time()
    org = await upsert_login(db, "org", None, now)
    voter = await upsert_login(db, "voter", None, now)
    newcomer = await upsert_login(db, f"new{number}", None, now)
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, number, "t", org.id, now)
    mid = meeting.id
    await join_meeting(db, mid, voter.id, now)
    poll_id = await create_poll(db, mid, "q", ["a", "b"], multi=False, hide_results=False, now=now)
    poll = await get_poll(db, poll_id)
    rating_id = await create_rating(db, mid, "s", 5, now)
    packet_id = await create_redpacket(db, mid, [1, 1, 1], now)
    lottery_id = await create_lottery(
        db, mid, "l", 1, exclude_previous_winners=False, include_organizer=True, now=now
    )
    lottery = await get_lottery(db, lottery_id)
    question_id = await create_question(db, mid, org.id, "why?", False, "open", now)
    cloud_id = await create_wordcloud(db, mid, "words", 3, now)
    checkin_id = await create_checkin(db, mid, "here", "s" * 32, now)
    one = QuizQuestion("1+1?", ("1", "2"), (1,), 30)
    lobby_id = await create_quiz(db, mid, "lobby", [one], now)
    running_id = await create_quiz(db, mid, "running", [one], now)
    lobby, running = await get_quiz(db, lobby_id), await get_quiz(db, running_id)
    assert poll and lottery and lobby and running
    assert await start_question(db, running, 0, now, now + 600)
    at = time.time()
    return mid, {
        "chat": lambda: add_message(db, mid, voter.id, f"c{number}", "late", at),
        "join": lambda: join_meeting(db, mid, newcomer.id, at),
        "vote": lambda: cast_ballot(db, poll_id, voter.id, [poll.options[0].id], at),
        "score": lambda: set_score(db, rating_id, voter.id, 4, at),
        "claim": lambda: claim_share(db, packet_id, voter.id, at),
        "draw": lambda: draw_lottery(db, lottery, org.id, at),
        "upvote": lambda: upvote(db, question_id, voter.id, at),
        "words": lambda: add_words(db, cloud_id, voter.id, ["晚"], at),
        "check_in": lambda: check_in(db, checkin_id, voter.id, at),
        "quiz_start": lambda: start_question(db, lobby, 0, at, at + 30),
        "quiz_answer": lambda: record_answer(db, running_id, 0, voter.id, [1], 10, at),
        "poll": lambda: create_poll(
            db, mid, "q", ["a", "b"], multi=False, hide_results=False, now=at
        ),
        "ask": lambda: create_question(db, mid, voter.id, "late?", False, "open", at),
    }


async def test_every_write_sent_while_the_end_holds_the_meeting_waits_and_is_refused(
    mysql_db: Database,
) -> None:
    """The end's own interleaving on MariaDB, made certain: the end has locked the meeting row
    and not yet committed when the write reaches the database. The write must wait for the
    end and then be refused. (MariaDB reads a correlated subquery in an UPDATE without a lock:
    votes, scores, claims, upvotes, words, check-ins and quiz answers did not wait, and landed
    after the end.)"""
    db = mysql_db
    busy = (
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()"
        " AND COMMAND = 'Query' AND INFO NOT LIKE '%PROCESSLIST%'"
    )
    names = list((await _writes_of_a_live_meeting(db, 4000))[1])
    landed: dict[str, object] = {}
    for i, name in enumerate(names):
        meeting_id, writes = await _writes_of_a_live_meeting(db, 4001 + i)
        async with db.transaction() as tx:
            # What end_meeting_locked does: the row first, then the end, then the commit.
            await tx.fetchone("SELECT id FROM meeting WHERE id = ? FOR UPDATE", (meeting_id,))
            write = asyncio.ensure_future(writes[name]())
            for _ in range(1000):
                if write.done() or await db.fetchval(busy):
                    break
                await asyncio.sleep(0.01)
            await end_meeting(tx, meeting_id, time.time())
        try:
            outcome = await write
        except MeetingEnded:
            continue
        except Conflict as refused:
            assert refused.code == "meeting_ended", (name, refused.code)
            continue
        if outcome is not False:  # a join reports False when it added nobody
            landed[name] = outcome
    assert landed == {}
