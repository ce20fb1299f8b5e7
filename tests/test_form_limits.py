"""The limits create forms show come from the modules that enforce them, with the meeting."""

from __future__ import annotations

from typing import Any

from hub.activities import poll
from hub.meetings import redpacket_split
from hub.simulator import RunningSimulator
from tests.helpers_auth import login, sim_settings


async def test_the_meeting_carries_the_limits_its_forms_show(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    meeting = await (await client.post("/api/meetings", json={"title": "限"})).json()
    limits = meeting["limits"]
    assert limits["redpacket"]["total"]["max_cents"] == redpacket_split.MAX_TOTAL_CENTS
    assert limits["poll"]["options"]["max_lines"] == poll.MAX_OPTIONS
    # One more option than the form says is exactly what the server refuses.
    too_many = [f"选项{i}" for i in range(poll.MAX_OPTIONS + 1)]
    body = {"question": "?", "options": too_many}
    refused = await client.post(f"/api/meetings/{meeting['number']}/polls", json=body)
    assert refused.status == 400
    body["options"] = too_many[:-1]
    assert (await client.post(f"/api/meetings/{meeting['number']}/polls", json=body)).status == 201
