"""The event bus with the broker down: committed writes answer 2xx, frames follow in order after.

Run twice: on Redis (a server of the test's own, stopped and started again) and on the in-process
broker made to fail. Either way join, poll create, vote, pin and end commit and answer 2xx while
the broker is gone; once it is back every open socket gets the frames in the order they were
made, the ended meeting's sockets close with MEETING_ENDED, and the dashboards get the pin.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from hub.cache.memory import MemoryCache
from hub.events import EVENTS
from hub.keys import CACHE
from hub.live.sync import LIVE
from hub.realtime.rooms import MEETING_ENDED
from tests.fixtures_live import ADMIN
from tests.fixtures_realtime import frame_of, origin
from tests.fixtures_sim import Sim
from tests.helpers_auth import login, new_browser, sim_settings
from tests.servers import Redis, have_redis

WS = aiohttp.ClientWebSocketResponse


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Redis | None]:
    """None for the in-process broker, else a Redis server this test may stop."""
    if request.param == "memory":
        yield None
        return
    if not have_redis():
        pytest.skip("Redis is not installed; run scripts/test")
    server = Redis().start()
    yield server
    await asyncio.to_thread(server.destroy)


async def activity_frames_until_closed(ws: WS) -> tuple[list[tuple[str, str]], int | None]:
    """The (kind, event) of every activity frame, in arrival order, and the server's close code."""
    seen: list[tuple[str, str]] = []
    while True:
        msg = await ws.receive(timeout=20)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            # The code the server sent (ws.close_code can turn 1006 when the client's close
            # reply races the server's own teardown).
            return seen, msg.data if msg.type is aiohttp.WSMsgType.CLOSE else None
        frame = msg.json()
        if frame["type"] == "activity":
            seen.append((frame["kind"], frame["event"]))


async def test_writes_answer_2xx_with_the_broker_down_and_frames_follow_in_order(
    sim: Sim, make_settings: Any, hub_client: Any, broker: Redis | None
) -> None:
    redis_url = broker.url() if broker else None
    client = await hub_client(sim_settings(make_settings, sim.url, redis_url=redis_url))
    app = client.app
    await sim.generate(3)
    run = await app[LIVE].sync("test")
    assert run is not None and run.ok
    roomid = (await (await client.get("/live/getRoomList")).json())["data"][0]["roomid"]

    await login(client, sim.url, "zhangsan")
    created = await client.post("/api/meetings", json={"title": "断线演练"})
    number = (await created.json())["number"]
    path = f"/ws/meetings/{number}"
    async with new_browser(client) as lisi, new_browser(client) as wang:
        await login(lisi, sim.url, "lisi")
        await login(wang, sim.url, "wangwu")
        assert (await lisi.post(f"/api/meetings/{number}/join")).status == 200
        async with (
            client.ws_connect(path, headers=origin(client)) as organizer_ws,
            lisi.ws_connect(path, headers=origin(client)) as attendee_ws,
            client.ws_connect("/ws/live") as dashboard,
        ):
            for ws in (organizer_ws, attendee_ws):
                await frame_of(ws, "hello")

            if broker is not None:
                await asyncio.to_thread(broker.stop)
            else:
                cache = app[CACHE]
                assert isinstance(cache, MemoryCache)
                cache.publish_fails = True

            joined = await wang.post(f"/api/meetings/{number}/join")
            assert joined.status == 200, await joined.text()
            body = {"question": "午饭?", "options": ["面", "饭"]}
            poll = await client.post(f"/api/meetings/{number}/polls", json=body)
            assert poll.status == 201, await poll.text()
            poll_json = await poll.json()
            option = poll_json["options"][0]["id"]
            vote = await lisi.post(
                f"/api/polls/{poll_json['id']}/vote", json={"option_ids": [option]}
            )
            assert vote.status == 200, await vote.text()
            pin = await client.put(
                f"/api/admin/live/rooms/{roomid}/pin", json={"is_top": 1}, headers=ADMIN
            )
            assert pin.status == 200, await pin.text()
            ended = await client.post(f"/api/meetings/{number}/end")
            assert ended.status == 200, await ended.text()
            # Committed, answered, and waiting for the broker: nothing went out, nothing is lost.
            assert app[EVENTS].queued >= 5 and app[EVENTS].dropped == 0

            if broker is not None:
                await asyncio.to_thread(broker.start)
            else:
                cache.publish_fails = False

            expected = [
                ("meeting", "updated"),  # wangwu joined
                ("poll", "created"),
                ("poll", "updated"),
                ("poll", "closed"),  # ending a meeting closes its open activities first
                ("meeting", "ended"),
            ]
            for ws in (organizer_ws, attendee_ws):
                seen, code = await activity_frames_until_closed(ws)
                assert seen == expected
                assert code == MEETING_ENDED
            hint = await dashboard.receive_json(timeout=20)
            assert hint["type"] == "live" and hint["roomid"] == roomid and hint["is_top"] == 1
    assert app[EVENTS].queued == 0 and app[EVENTS].dropped == 0
