"""Who may open a meeting websocket: Origin, session or ticket, attendees of live meetings."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from hub.keys import DB
from hub.simulator import RunningSimulator
from hub.storage.meetings import end_meeting
from hub.storage.users import get_user_by_userid
from tests.fixtures_realtime import connect_ticket, frame_of, make_meeting, make_user, origin
from tests.helpers_auth import login, new_browser, sim_settings


async def _refused(ws_connect: Any, url: Any, status: int, **kwargs: Any) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await ws_connect(url, **kwargs)
    assert info.value.status == status


async def test_cross_origin_and_origin_less_browser_upgrades_are_refused(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    zhang = await get_user_by_userid(client.app[DB], "zhangsan")
    assert zhang
    meeting = await make_meeting(client.app, zhang)
    path = f"/ws/meetings/{meeting.number}"
    await _refused(client.ws_connect, path, 403, headers={"Origin": "http://evil.example"})
    await _refused(client.ws_connect, path, 403, headers={"Origin": "http://127.0.0.1:9999"})
    await _refused(client.ws_connect, path, 403)  # a cookie alone is not enough without Origin
    resp = await client.get(path, headers={"Origin": "http://evil.example"})
    assert (await resp.json())["error"]["code"] == "forbidden"
    async with client.ws_connect(path, headers=origin(client)) as ws:
        assert (await frame_of(ws, "hello"))["you"]["userid"] == "zhangsan"


async def test_anonymous_outsiders_unknown_and_ended_meetings_are_refused(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    zhang = await get_user_by_userid(client.app[DB], "zhangsan")
    assert zhang
    meeting = await make_meeting(client.app, zhang)
    path = f"/ws/meetings/{meeting.number}"
    async with new_browser(client) as other:
        await _refused(other.ws_connect, path, 401, headers=origin(client))
        await login(other, sim.url, "outsider")
        # The same answer as a free number (F2).
        await _refused(other.ws_connect, path, 404, headers=origin(client))
    unknown = "00000" if meeting.number != "00000" else "00001"
    await _refused(client.ws_connect, f"/ws/meetings/{unknown}", 404, headers=origin(client))
    await _refused(client.ws_connect, "/ws/meetings/12ab5", 404, headers=origin(client))
    await _refused(client.ws_connect, path + "?after=-3", 400, headers=origin(client))
    plain = await client.get(path, headers=origin(client))  # not an upgrade
    assert plain.status == 400
    await end_meeting(client.app[DB], meeting.id, 1.0)
    await _refused(client.ws_connect, path, 409, headers=origin(client))


async def test_tickets_are_single_use_and_bound_to_their_meeting(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    await login(client, sim.url, "zhangsan")
    app = client.app
    zhang = await get_user_by_userid(app[DB], "zhangsan")
    assert zhang
    meeting = await make_meeting(app, zhang)
    other_meeting = await make_meeting(app, zhang)
    resp = await client.post(f"/api/meetings/{meeting.number}/ws-ticket")
    assert resp.status == 201
    body = await resp.json()
    assert body["expires_in"] == 60 and body["url"].endswith(body["ticket"])
    async with aiohttp.ClientSession() as session:
        url = client.make_url(body["url"])
        async with session.ws_connect(url) as ws:  # no cookie, no Origin: the ticket is enough
            assert (await frame_of(ws, "hello"))["you"]["userid"] == "zhangsan"
        await _refused(session.ws_connect, url, 401)  # used up
        wrong = client.make_url(f"/ws/meetings/{other_meeting.number}?ticket={body['ticket']}")
        await _refused(session.ws_connect, wrong, 401)
        outsider = await make_user(app, "outsider")
        await _refused(connect_ticket, client, 403, session=session, user=outsider, meeting=meeting)
        # A ticket still faces the Origin check when a browser sends one.
        resp = await client.post(f"/api/meetings/{meeting.number}/ws-ticket")
        ticket_url = client.make_url((await resp.json())["url"])
        headers = {"Origin": "http://evil.example"}
        await _refused(session.ws_connect, ticket_url, 403, headers=headers)
    async with new_browser(client) as anonymous:
        assert (await anonymous.post(f"/api/meetings/{meeting.number}/ws-ticket")).status == 401
