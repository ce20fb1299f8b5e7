"""Activity frames on the meeting websocket: in commit order while votes pour in, final = truth."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from typing import Any

import aiohttp

from hub.simulator import RunningSimulator
from tests.fixtures_activities import ok, room
from tests.helpers_auth import sim_settings

VOTERS = 120


async def _activity_frames(ws: aiohttp.ClientWebSocketResponse, kind: str, until: str) -> list[Any]:
    """Activity frames of `kind`, up to and including the first with event `until`."""
    frames: list[Any] = []
    while True:
        msg = await ws.receive(timeout=30)
        assert msg.type is aiohttp.WSMsgType.TEXT, (msg.type, msg.data)
        frame = json.loads(msg.data)
        if frame["type"] == "activity" and frame["kind"] == kind:
            frames.append(frame)
            if frame["event"] == until:
                return frames


def _public(state: dict[str, Any]) -> dict[str, Any]:
    """A payload without its per-viewer fields."""
    return {k: v for k, v in state.items() if not k.startswith("my_")}


async def test_poll_frames_arrive_in_order_while_votes_arrive(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, cache_url: str | None
) -> None:
    settings = sim_settings(make_settings, sim.url, redis_url=cache_url)
    client = await hub_client(settings)
    async with room(client, sim.url, VOTERS) as r:
        headers = {"Origin": settings.public_url}
        async with r.attendees[0].ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            hello = json.loads((await ws.receive(timeout=10)).data)
            assert hello["type"] == "hello"
            body = {"question": "Ship it?", "options": ["yes", "no", "later"], "multi": True}
            poll = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=body), 201)
            ids = [o["id"] for o in poll["options"]]
            reader = asyncio.create_task(_activity_frames(ws, "poll", "closed"))
            rng = random.Random(3)
            votes = [
                browser.post(
                    f"/api/polls/{poll['id']}/vote",
                    json={"option_ids": rng.sample(ids, rng.randint(1, 3))},
                )
                for browser in r.attendees
            ]
            for resp in await asyncio.gather(*votes):
                assert resp.status == 200, await resp.text()
            final = await ok(await client.post(f"/api/polls/{poll['id']}/close"))
            frames = await reader

    assert frames[0]["event"] == "created" and frames[0]["data"]["total_votes"] == 0
    assert frames[-1]["event"] == "closed"
    updates = [f for f in frames if f["event"] == "updated"]
    assert updates, "no update frame while votes arrived"
    # In order: versions rise, and no count ever goes backwards.
    versions = [f["data"]["version"] for f in frames]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    for before, after in itertools.pairwise(frames):
        assert after["data"]["total_votes"] >= before["data"]["total_votes"]
        for old, new in zip(before["data"]["options"], after["data"]["options"], strict=True):
            assert new["votes"] >= old["votes"]
    # Broadcasts carry no per-viewer fields, and the last frame is exactly the final state.
    assert all(f["data"]["my_vote"] is None for f in frames)
    assert _public(frames[-1]["data"]) == _public(final)
    assert final["total_votes"] == VOTERS
    # The last vote's frame (before the close) already showed every ballot.
    assert updates[-1]["data"]["total_votes"] == VOTERS


async def test_each_kind_pushes_its_events(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    settings = sim_settings(make_settings, sim.url)
    client = await hub_client(settings)
    async with room(client, sim.url, 2) as r:
        a0, a1 = r.attendees
        headers = {"Origin": settings.public_url}
        async with a1.ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            base = f"/api/meetings/{r.number}"
            lot = await ok(await client.post(f"{base}/lotteries", json={"title": "t"}), 201)
            assert (await _activity_frames(ws, "lottery", "created"))[-1]["data"]["id"] == lot["id"]
            drawn = await ok(await client.post(f"/api/lotteries/{lot['id']}/draw"))
            frame = (await _activity_frames(ws, "lottery", "drawn"))[-1]
            assert frame["data"]["winners"] == drawn["winners"]

            rating = await ok(await client.post(f"{base}/ratings", json={"subject": "s"}), 201)
            await _activity_frames(ws, "rating", "created")
            await ok(await a0.post(f"/api/ratings/{rating['id']}/score", json={"score": 4}))
            frame = (await _activity_frames(ws, "rating", "updated"))[-1]
            assert frame["data"]["average"] == 4.0 and frame["data"]["my_score"] is None
            await ok(await client.post(f"/api/ratings/{rating['id']}/close"))
            assert (await _activity_frames(ws, "rating", "closed"))[-1]["data"][
                "status"
            ] == "closed"

            body = {"total_cents": 500, "count": 3}
            packet = await ok(await client.post(f"{base}/redpackets", json=body), 201)
            await _activity_frames(ws, "redpacket", "created")
            got = await ok(await a0.post(f"/api/redpackets/{packet['id']}/claim"))
            frame = (await _activity_frames(ws, "redpacket", "claimed"))[-1]
            assert frame["data"]["claimed_cents"] == got["cents"]
            assert frame["data"]["claims"][0]["user"]["userid"] == "a0"
            assert frame["data"]["my_claim"] is None
