"""Reactions over real websockets: 500 people tapping for 10 s give exact totals, each watcher
gets at most 5 merged frames a second, and a flood is cut at 5 a second with one error frame.
On SQLite with the in-process cache, and on MariaDB with Redis."""

from __future__ import annotations

import asyncio
import collections
import json
from typing import Any

import aiohttp
import pytest

from hub.realtime.reactions import EMOJIS, REACTIONS
from tests.fixtures_realtime import (
    WS,
    connect_ticket,
    frame_of,
    make_meeting,
    make_user,
    record_frames,
)

PEOPLE = 500
SECONDS = 10
EVERY = 0.5  # each person taps twice a second: within what is always accepted
MAX_PER_SECOND = 5


@pytest.fixture
def backend(request: pytest.FixtureRequest, db_url: str) -> dict[str, Any]:
    """SQLite with the in-process cache, MariaDB with Redis."""
    if db_url.startswith("sqlite"):
        return {"database_url": db_url}
    return {"database_url": db_url, "redis_url": request.getfixturevalue("redis_url")}


async def test_500_people_reacting_for_10_s_give_exact_totals_and_few_frames(
    make_settings: Any, hub_client: Any, backend: dict[str, Any]
) -> None:
    client = await hub_client(make_settings(**backend))
    app = client.app
    organizer = await make_user(app, "org")
    people = [await make_user(app, f"r{i}") for i in range(PEOPLE)]
    meeting = await make_meeting(app, organizer, *people)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        sockets = [await connect_ticket(client, session, u, meeting) for u in people]
        for ws in sockets:
            await frame_of(ws, "hello")
        watchers = sockets[:3]
        stop = asyncio.Event()
        seen: list[list[tuple[float, dict[str, Any]]]] = [[] for _ in watchers]
        watching = [
            asyncio.create_task(record_frames(w, "reactions", stop, f))
            for w, f in zip(watchers, seen, strict=True)
        ]
        sent: collections.Counter[str] = collections.Counter()

        async def tap(i: int, ws: WS) -> None:
            for n in range(int(SECONDS / EVERY)):
                emoji = EMOJIS[(i + n) % len(EMOJIS)]
                await ws.send_str(json.dumps({"type": "reaction", "emoji": emoji}))
                sent[emoji] += 1
                await asyncio.sleep(EVERY)

        # The watchers only watch; the others tap.
        await asyncio.gather(*(tap(i, ws) for i, ws in enumerate(sockets[3:])))
        stop.set()
        await asyncio.gather(*watching)
        assert app[REACTIONS].dropped == 0

        totals = await app[REACTIONS].totals(meeting.id)
        assert totals == {e: sent[e] for e in EMOJIS}
        for frames in seen:
            # The last frame shows the exact totals, and every reaction was in one frame's counts.
            assert frames[-1][1]["totals"] == totals
            merged: collections.Counter[str] = collections.Counter()
            for _, frame in frames:
                merged.update(frame["counts"])
            assert dict(merged) == dict(sent)
            # At most 5 frames in any second, counted in the order they arrived.
            start = frames[0][0]
            per_window = collections.Counter(int(at - start) for at, _ in frames)
            assert max(per_window.values()) <= MAX_PER_SECOND, per_window
        for ws in sockets:
            await ws.close()


async def test_a_flood_is_cut_at_5_a_second_with_one_error_frame(
    make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(make_settings())
    app = client.app
    organizer, fast = await make_user(app, "org"), await make_user(app, "fast")
    meeting = await make_meeting(app, organizer, fast)
    async with aiohttp.ClientSession() as session:
        ws = await connect_ticket(client, session, fast, meeting)
        await frame_of(ws, "hello")
        for _ in range(12):  # at once: 5 pass (the burst), 7 are dropped
            await ws.send_str(json.dumps({"type": "reaction", "emoji": "👍"}))
        await ws.send_str(json.dumps({"type": "reaction", "emoji": "🐍"}))
        error = await frame_of(ws, "error")
        assert error["code"] == "reaction_rate_limited"
        assert (await frame_of(ws, "error"))["code"] == "bad_emoji"  # the only other error
        merged = await frame_of(ws, "reactions")
        assert merged["counts"] == {"👍": 5} and merged["totals"]["👍"] == 5
        assert app[REACTIONS].dropped == 7
        await ws.close()
