"""The hub's one heartbeat sweep: a meeting socket that answers pings stays, a silent one is cut.

Meeting sockets carry no aiohttp heartbeat (a timer per socket); `RealtimeHub.heartbeat` pings
them all every `HUB_WS_HEARTBEAT` seconds and aborts those that sent nothing, not even a pong,
since the round before (a phone that lost its network sends no FIN).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from hub.realtime.rooms import REALTIME
from hub.simulator import RunningSimulator
from tests.fixtures_realtime import WS, connect_ticket, frame_of, make_meeting, make_user
from tests.helpers_auth import sim_settings
from tests.ws_crowd import wait_until

_GONE = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)


async def _read_all(ws: WS, chats: list[str]) -> None:
    # aiohttp's client answers a ping only inside receive(): reading is what keeps it polite.
    async for msg in ws:
        if msg.type is aiohttp.WSMsgType.TEXT and json.loads(msg.data)["type"] == "chat":
            chats.append(json.loads(msg.data)["text"])


async def test_a_silent_socket_is_cut_and_a_polite_one_stays(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, ws_heartbeat=1.0))
    zhang = await make_user(client.app, "zhangsan")
    lisi = await make_user(client.app, "lisi")
    meeting = await make_meeting(client.app, zhang, lisi)
    hub = client.app[REALTIME]
    async with aiohttp.ClientSession() as one, aiohttp.ClientSession() as other:
        polite = await connect_ticket(client, one, zhang, meeting)
        await frame_of(polite, "hello")
        chats: list[str] = []
        reader = asyncio.create_task(_read_all(polite, chats))
        mute = await connect_ticket(client, other, lisi, meeting, autoping=False)
        await wait_until(lambda: len(hub.clients(meeting.id)) == 2, 15, "both in the room")
        # Rounds go by (1 s each): the mute socket is cut, the polite one is not.
        await wait_until(lambda: len(hub.clients(meeting.id)) == 1, 15, "the mute one cut")
        assert [c.user.userid for c in hub.clients(meeting.id)] == ["zhangsan"]
        await asyncio.sleep(2.5)  # two more rounds: answering them keeps it in
        assert [c.user.userid for c in hub.clients(meeting.id)] == ["zhangsan"]
        await polite.send_json({"type": "chat", "text": "still here", "client_id": "hb-1"})
        await wait_until(lambda: "still here" in chats, 10, "the chat back on the polite socket")
        # The mute client finds its connection gone when it reads at last.
        async with asyncio.timeout(10):
            while (await mute.receive()).type not in _GONE:
                pass
        await polite.close()
        await reader
