"""Three hub processes on one MariaDB and Redis: a timed poll closes once, within 1 s of its
deadline, and every process's sockets get exactly one `closed` frame."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from tests.cluster import ClusterFactory
from tests.fixtures_ops import WS, frame_of, login

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]


async def _events_until_quiet(ws: WS, poll_id: int, quiet: float) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while True:
        try:
            msg = await ws.receive(timeout=quiet)
        except TimeoutError:
            return frames
        assert msg.type is aiohttp.WSMsgType.TEXT, (msg.type, msg.data)
        frame = json.loads(msg.data)
        if frame.get("type") == "activity" and frame["data"].get("id") == poll_id:
            frames.append(frame)


async def test_a_timed_poll_closes_once_within_a_second_with_three_processes(
    cluster_factory: ClusterFactory,
    browsers: list[aiohttp.ClientSession],
) -> None:
    cluster = cluster_factory(3)
    organizer = await login(cluster, "zhangsan")
    browsers.append(organizer)
    origin = {"Origin": cluster.urls[0]}
    resp = await organizer.post(
        cluster.urls[0] + "/api/meetings", json={"title": "timers"}, headers=origin
    )
    assert resp.status == 201, await resp.text()
    number = (await resp.json())["number"]
    sockets = []
    for url in cluster.urls:
        ws = await organizer.ws_connect(
            url.replace("http", "ws") + f"/ws/meetings/{number}", headers=origin
        )
        await frame_of(ws, "hello")
        sockets.append(ws)

    body = {"question": "Timed?", "options": ["yes", "no"], "duration_s": 3}
    resp = await organizer.post(
        f"{cluster.urls[1]}/api/meetings/{number}/polls", json=body, headers=origin
    )
    assert resp.status == 201, await resp.text()
    poll = await resp.json()
    try:
        per_socket = [await _events_until_quiet(ws, poll["id"], quiet=6.0) for ws in sockets]
    finally:
        for ws in sockets:
            await ws.close()

    for frames in per_socket:
        closed = [f for f in frames if f["event"] == "closed"]
        assert len(closed) == 1, [f["event"] for f in frames]
        closed_at = datetime.fromisoformat(closed[0]["data"]["closed_at"]).timestamp()
        # `closed_at` has whole seconds: the close ran within 1 s after the deadline.
        assert int(poll["closes_at"]) <= closed_at <= poll["closes_at"] + 1.0
    resp = await organizer.get(f"{cluster.urls[2]}/api/polls/{poll['id']}")
    assert (await resp.json())["status"] == "closed"
