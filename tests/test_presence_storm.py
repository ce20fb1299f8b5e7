"""A join storm of 1,000 websockets to one meeting on one hub: presence frames stay few, and the
count every client ends with is exact, after the storm and after 100 of them leave."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import pytest

from hub.realtime.rooms import REALTIME
from hub.simulator import RunningSimulator
from tests.fixtures_realtime import make_meeting, make_user
from tests.helpers_auth import sim_settings
from tests.ws_crowd import RawSocket, allow_open_files, join_crowd, open_crowd, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.redis]

CROWD = 1000
AT_ONCE = 100
LEAVING = 100
# Issue 20: a join storm of 1,000 gives each client at most 20 presence frames.
MOST_PRESENCE_FRAMES = 20
# How long the counts may take to settle: generous, never asserted (the debounce is 2 s at most).
SETTLE = 60.0


def _counts(socks: list[RawSocket]) -> dict[int | None, int]:
    """How many clients last saw each count (what a failed wait shows)."""
    seen: dict[int | None, int] = {}
    for sock in socks:
        seen[sock.last_count] = seen.get(sock.last_count, 0) + 1
    return seen


async def test_a_join_storm_of_a_thousand_gets_few_presence_frames_and_exact_counts(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, redis_url: str, db_url: str
) -> None:
    allow_open_files(2 * CROWD + 1000)  # both ends of every socket live in this process
    settings = sim_settings(make_settings, sim.url, database_url=db_url, redis_url=redis_url)
    client = await hub_client(settings)
    app = client.app
    meeting = await make_meeting(app, await make_user(app, "zhangsan"))
    people = await join_crowd(app, meeting, CROWD)

    began = time.monotonic()
    socks = await open_crowd(app, client.port, meeting, people, AT_ONCE)
    joined = time.monotonic() - began
    try:
        # Every socket is its own person, through the handler's ticket and attendee checks.
        await wait_until(lambda: all(s.hello for s in socks), SETTLE, "a socket got no hello")
        assert sorted(s.hello["you"]["id"] for s in socks if s.hello) == [u.id for u in people]
        assert len(app[REALTIME].clients(meeting.id)) == CROWD

        await wait_until(
            lambda: all(s.last_count == CROWD for s in socks),
            SETTLE,
            f"not every client's last presence count is {CROWD}: {_counts(socks)}",
        )
        frames = [len(s.presence) for s in socks]
        print(  # the figures for the note (pytest -s)
            f"\njoin storm of {CROWD}: opened in {joined:.1f} s; presence frames per client"
            f" min {min(frames)} median {statistics.median(frames)} max {max(frames)};"
            f" frames of any kind, most: {max(s.frames for s in socks)}"
        )
        worst = [f["count"] for f in max(socks, key=lambda s: len(s.presence)).presence]
        assert max(frames) <= MOST_PRESENCE_FRAMES, f"the most presence frames' counts: {worst}"
        # The frame lists the first users, never the whole crowd; the count is the crowd.
        last = socks[0].presence[-1]
        assert len(last["online"]) == 100 and last["count"] == CROWD
        assert len(await app[REALTIME].online_users(meeting.id)) == CROWD

        leaving, staying = socks[:LEAVING], socks[LEAVING:]
        await asyncio.gather(*(s.close() for s in leaving))
        assert {s.close_code for s in leaving} == {1000}
        left = CROWD - LEAVING
        await wait_until(
            lambda: all(s.last_count == left for s in staying),
            SETTLE,
            f"not every staying client's last presence count is {left}: {_counts(staying)}",
        )
        assert len(app[REALTIME].clients(meeting.id)) == left
        online = await app[REALTIME].online_users(meeting.id)
        assert sorted(u["id"] for u in online) == [u.id for u in people[LEAVING:]]
    finally:
        for sock in socks:
            sock.abort()
