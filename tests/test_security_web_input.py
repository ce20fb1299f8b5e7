"""No 500 on any input (issue 13, F6): each of the review's requests gets a 4xx with a code.

The websocket equivalents (a 30,000-deep frame, a lone surrogate in chat) get error frames.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.keys import SETTINGS
from hub.simulator import RunningSimulator
from tests.helpers_auth import login, sim_settings

# The meeting number of each fixture's client (a started app takes no new keys).
NUMBERS: dict[int, str] = {}


@pytest.fixture
async def signed_in(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> TestClient[Any, Any]:
    """The organizer (and an admin) of one meeting, on SQLite and on MariaDB."""
    settings = sim_settings(
        make_settings, sim.url, database_url=db_url, admin_users=frozenset({"zhangsan"})
    )
    client: TestClient[Any, Any] = await hub_client(settings)
    await login(client, sim.url, "zhangsan")
    resp = await client.post("/api/meetings", json={"title": "f6"})
    assert resp.status == 201
    NUMBERS[id(client)] = (await resp.json())["number"]
    return client


def real(client: TestClient[Any, Any], path: str) -> str:
    """The path with the fixture's meeting number in place of NNNNN."""
    return path.replace("NNNNN", NUMBERS[id(client)])


async def refused(resp: Any, *statuses: int) -> str:
    """The error code of a 4xx answer."""
    assert resp.status in statuses, (resp.status, await resp.text())
    code: str = (await resp.json())["error"]["code"]
    assert code
    return code


@pytest.mark.parametrize(
    "path",
    [
        "/api/live/rooms/%C2%B2",
        "/api/live/rooms/%D9%A1%D9%A2",
        "/api/meetings/NNNNN/messages?after=%D9%A1%D9%A2",
        "/api/meetings/NNNNN/messages?limit=%C2%B2",
        "/api/live/rooms?page=%D9%A1",
        "/live/getRoomList?pageNum=%EF%BC%91",
        "/api/polls/%C2%B2",
        "/api/lotteries/%E2%91%A0",
        "/api/live/rooms?status=%C2%B9%C2%B2",
        "/live/getRoomList?live_status=%C2%B2",
    ],
)
async def test_unicode_digits_are_4xx(signed_in: TestClient[Any, Any], path: str) -> None:
    await refused(await signed_in.get(real(signed_in, path)), 400, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/redpackets/%C2%B9/claim",
        "/api/admin/live/rooms/%C2%B2/replay",
    ],
)
async def test_unicode_digits_in_writes_are_4xx(signed_in: TestClient[Any, Any], path: str) -> None:
    resp = await signed_in.post(path, headers={"Origin": signed_in.app[SETTINGS].public_url})
    await refused(resp, 400, 404)


async def test_lone_surrogates_in_text_are_400(signed_in: TestClient[Any, Any]) -> None:
    headers = {"Content-Type": "application/json"}
    for method, path, body in (
        ("PUT", "/api/me", '{"name": "\\ud800"}'),
        ("POST", "/api/meetings", '{"title": "x\\udfff y"}'),
        ("POST", "/api/meetings", '{"title": "ok", "extra": ["\\ud800"]}'),
    ):
        resp = await signed_in.request(method, path, data=body, headers=headers)
        assert await refused(resp, 400) == "bad_unicode"
    # A proper pair is text like any other.
    resp = await signed_in.put("/api/me", data='{"name": "\\ud83d\\ude00"}', headers=headers)
    assert resp.status == 200 and (await resp.json())["user"]["name"] == "😀"


async def test_json_nested_30000_deep_is_400(signed_in: TestClient[Any, Any]) -> None:
    deep = '{"title": ' + "[" * 30_000 + "]" * 30_000 + "}"
    resp = await signed_in.post(
        "/api/meetings", data=deep, headers={"Content-Type": "application/json"}
    )
    assert await refused(resp, 400) == "bad_json"
    # Nesting Python can parse is an ordinary wrong type.
    shallow = json.dumps({"title": [[[]]]})
    resp = await signed_in.post(
        "/api/meetings", data=shallow, headers={"Content-Type": "application/json"}
    )
    assert await refused(resp, 400) == "bad_request"


async def test_websocket_bad_frames_get_error_frames(signed_in: TestClient[Any, Any]) -> None:
    origin = {"Origin": signed_in.app[SETTINGS].public_url}
    path = real(signed_in, "/ws/meetings/NNNNN")
    async with signed_in.ws_connect(path, headers=origin) as ws:
        frames = [
            ("[" * 30_000 + "]" * 30_000, "bad_json"),
            ('{"type": "chat", "text": "\\ud800 x", "client_id": "c1"}', "bad_unicode"),
        ]
        for frame, code in frames:
            await ws.send_str(frame)
            while True:
                msg = await ws.receive_json(timeout=10)
                if msg["type"] == "error":
                    assert msg["code"] == code, msg
                    break
        await ws.send_str('{"type": "ping"}')
        while (await ws.receive_json(timeout=10))["type"] != "pong":
            pass
