"""The 弹幕 switch: the organizer turns it on and off, every socket hears it at once, and the
meeting setting `danmaku` follows."""

from __future__ import annotations

from typing import Any

from hub.simulator import RunningSimulator
from tests.fixtures_activities import error_code, ok, room
from tests.fixtures_realtime import frame_of
from tests.helpers_auth import sim_settings


async def test_danmaku_is_switched_by_the_organizer_and_heard_at_once(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    settings = sim_settings(make_settings, sim.url)
    client = await hub_client(settings)
    async with room(client, sim.url, 1) as r:
        (phone,) = r.attendees
        url = f"/api/meetings/{r.number}/danmaku"
        assert await ok(await phone.get(url)) == {"on": False, "blocked": []}
        headers = {"Origin": settings.public_url}
        async with phone.ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            await frame_of(ws, "hello")
            assert await error_code(await phone.put(url, json={"on": True}), 403)
            assert await error_code(await client.put(url, json={"on": "yes"}), 400)
            assert await ok(await client.put(url, json={"on": True})) == {"on": True}
            assert (await frame_of(ws, "danmaku"))["on"] is True
            assert await ok(await client.put(url, json={"on": False})) == {"on": False}
            assert (await frame_of(ws, "danmaku"))["on"] is False
        await ok(await client.put(url, json={"on": True}))
        stored = await ok(await client.get(f"/api/meetings/{r.number}/settings"))
        assert stored["danmaku"] is True
        assert await ok(await phone.get(url)) == {"on": True, "blocked": []}
