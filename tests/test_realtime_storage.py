"""Chat storage on SQLite and MariaDB: gap-free seqs with concurrent senders, idempotent resends."""

from __future__ import annotations

import asyncio
import time

from hub.storage import Database, open_database
from hub.storage.chat import add_message, last_seq, messages_after
from hub.storage.meetings import create_meeting, join_meeting
from hub.storage.users import upsert_login


async def _meeting(db: Database, users: int) -> tuple[int, list[int]]:
    people = [await upsert_login(db, f"p{i}", "", time.time()) for i in range(users)]
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, 12345, "t", people[0].id, time.time())
    for p in people[1:]:
        await join_meeting(db, meeting.id, p.id, time.time())
    return meeting.id, [p.id for p in people]


async def test_concurrent_senders_get_every_seq_exactly_once(db: Database, db_url: str) -> None:
    meeting_id, users = await _meeting(db, 5)
    # A second pool on the same database stands in for a second process.
    other = await open_database(db_url)
    try:

        async def send(pool: Database, user: int, n: int) -> int:
            message, created = await add_message(pool, meeting_id, user, f"c{n}", f"m{n}", 1.0)
            assert created
            return message.seq

        jobs = [send(db if n % 2 else other, users[n % 5], n) for n in range(60)]
        seqs = await asyncio.gather(*jobs)
    finally:
        await other.close()
    assert sorted(seqs) == list(range(1, 61))
    assert await last_seq(db, meeting_id) == 60
    stored = await messages_after(db, meeting_id, 0, 100)
    assert [m.seq for m in stored] == list(range(1, 61))
    assert [m.seq for m in await messages_after(db, meeting_id, 10, 5)] == [11, 12, 13, 14, 15]
    assert [m.seq for m in await messages_after(db, meeting_id, 10, 50, up_to=12)] == [11, 12]


async def test_resends_store_once_even_when_racing(db: Database) -> None:
    meeting_id, users = await _meeting(db, 2)
    results = await asyncio.gather(
        *(add_message(db, meeting_id, users[0], "same", "hello", 1.0) for _ in range(10))
    )
    assert {m.seq for m, _ in results} == {1}
    assert sum(created for _, created in results) == 1
    # Another sender may use the same client_id: it is theirs, a separate message.
    theirs, created = await add_message(db, meeting_id, users[1], "same", "hi", 2.0)
    assert created and theirs.seq == 2
    again, created = await add_message(db, meeting_id, users[0], "same", "changed?", 3.0)
    assert not created and again.seq == 1 and again.text == "hello"
    assert await last_seq(db, meeting_id) == 2
