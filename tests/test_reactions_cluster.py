"""Three hub processes on one MariaDB and Redis: people tapping on all three give exact totals,
and a screen on any process gets at most 5 merged reaction frames a second (one frame per
interval for the meeting, whichever process sends it)."""

from __future__ import annotations

import asyncio
import collections
import json
from typing import Any

import aiohttp
import pytest

from hub.realtime.reactions import EMOJIS
from tests.cluster import ClusterFactory
from tests.fixtures_ops import WS, frame_of, login
from tests.fixtures_realtime import record_frames

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]

PEOPLE = 30
TAPS = 12
EVERY = 0.5


async def test_reactions_on_three_processes_are_exact_and_merged_once_per_interval(
    cluster_factory: ClusterFactory,
    browsers: list[aiohttp.ClientSession],
) -> None:
    cluster = cluster_factory(3)
    urls = cluster.urls
    origin = {"Origin": urls[0]}
    organizer = await login(cluster, "zhangsan")
    browsers.append(organizer)
    resp = await organizer.post(urls[0] + "/api/meetings", json={"title": "r"}, headers=origin)
    assert resp.status == 201, await resp.text()
    number = (await resp.json())["number"]
    people = [await login(cluster, f"tap{i}") for i in range(PEOPLE)]
    browsers.extend(people)
    for i, person in enumerate(people):
        joined = await person.post(f"{urls[i % 3]}/api/meetings/{number}/join", headers=origin)
        assert joined.status == 200, await joined.text()

    def ws_url(i: int) -> str:
        return urls[i % 3].replace("http", "ws") + f"/ws/meetings/{number}"

    screens = [await organizer.ws_connect(ws_url(i), headers=origin) for i in range(3)]
    sockets = [await p.ws_connect(ws_url(i), headers=origin) for i, p in enumerate(people)]
    for ws in [*screens, *sockets]:
        await frame_of(ws, "hello")
    stop = asyncio.Event()
    seen: list[list[tuple[float, dict[str, Any]]]] = [[] for _ in screens]
    watching = [
        asyncio.create_task(record_frames(w, "reactions", stop, s))
        for w, s in zip(screens, seen, strict=True)
    ]
    sent: collections.Counter[str] = collections.Counter()

    async def tap(i: int, ws: WS) -> None:
        for n in range(TAPS):
            emoji = EMOJIS[(i + n) % len(EMOJIS)]
            await ws.send_str(json.dumps({"type": "reaction", "emoji": emoji}))
            sent[emoji] += 1
            await asyncio.sleep(EVERY)

    await asyncio.gather(*(tap(i, ws) for i, ws in enumerate(sockets)))
    await asyncio.sleep(1.5)
    stop.set()
    await asyncio.gather(*watching)
    for ws in [*screens, *sockets]:
        await ws.close()

    for frames in seen:
        assert frames[-1][1]["totals"] == {e: sent[e] for e in EMOJIS}
        merged: collections.Counter[str] = collections.Counter()
        for _, frame in frames:
            merged.update(frame["counts"])
        assert merged == sent  # every tap in exactly one frame, whichever process sent it
        start = frames[0][0]
        per_window = collections.Counter(int(at - start) for at, _ in frames)
        assert max(per_window.values()) <= 5, per_window
