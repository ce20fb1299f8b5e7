"""The contract every registered activity kind keeps, checked for each kind in `KINDS`.

A kind is created with its `example_body`, read back, refused to someone who has not joined,
taken through each of its actions (with each action's `example` body) to a state that is no
longer open, exported as CSV, and every change arrives on a meeting socket as a frame whose
version rises. A new kind is covered by registering it.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import aiohttp
import pytest

from hub.activities import KINDS, ActivityKind
from hub.simulator import RunningSimulator
from tests.conftest import AppClient
from tests.fixtures_activities import attendees, error_code, ok, room
from tests.helpers_auth import sim_settings


def test_kinds_have_one_spelling_each() -> None:
    assert {"poll", "lottery", "rating", "redpacket"} <= {k.name for k in KINDS}
    for names in ([k.name for k in KINDS], [k.plural for k in KINDS]):
        assert len(set(names)) == len(names)
    for kind in KINDS:
        assert kind.name.isidentifier() and kind.plural.isidentifier()
        assert kind.created_by in ("organizer", "attendee")
        assert kind.actions, f"{kind.name} has no action"


async def _frames(ws: aiohttp.ClientWebSocketResponse, kind: str, events: list[str]) -> list[Any]:
    """This kind's activity frames, until one of each expected event arrived."""
    frames: list[Any] = []
    waiting = list(events)
    while waiting:
        msg = await ws.receive(timeout=15)
        assert msg.type is aiohttp.WSMsgType.TEXT, (msg.type, msg.data)
        frame = json.loads(msg.data)
        if frame["type"] == "activity" and frame["kind"] == kind:
            frames.append(frame)
            if frame["event"] in waiting:
                waiting.remove(frame["event"])
    return frames


async def _csv_ids(client: Any, number: str, plural: str) -> set[str]:
    """The first column of the kind's CSV export (its activity ids), header left out."""
    resp = await client.get(f"/api/meetings/{number}/export.csv", params={"kind": plural})
    assert resp.status == 200, await resp.text()
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    return {row[0] for row in rows[1:]}


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
async def test_kind_keeps_the_contract(
    kind: ActivityKind[Any, Any],
    sim: RunningSimulator,
    make_settings: Any,
    hub_client: AppClient,
) -> None:
    settings = sim_settings(make_settings, sim.url)
    client = await hub_client(settings)
    async with (
        room(client, sim.url, 2) as r,
        attendees(client, sim.url, None, ["outsider"]) as (outsider,),
    ):
        actor, watcher = r.attendees
        creator = client if kind.created_by == "organizer" else actor
        headers = {"Origin": settings.public_url}
        async with watcher.ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            assert json.loads((await ws.receive(timeout=10)).data)["type"] == "hello"

            # Create (only who the kind allows) and read back.
            create = f"/api/meetings/{r.number}/{kind.plural}"
            # By number, an outsider gets the answer of a free number (F2).
            assert await error_code(await outsider.post(create, json=kind.example_body), 404)
            if kind.created_by == "organizer":
                refused = await actor.post(create, json=kind.example_body)
                assert await error_code(refused, 403) == "forbidden"
            made = await ok(await creator.post(create, json=kind.example_body), 201)
            assert made["status"] == "open" and isinstance(made["version"], int)
            url = f"/api/{kind.plural}/{made['id']}"
            seen = await ok(await actor.get(url))
            assert (seen["id"], seen["version"]) == (made["id"], made["version"])
            assert await error_code(await outsider.get(url), 403) == "forbidden"
            details = await ok(await actor.get(f"/api/meetings/{r.number}"))
            assert [a["id"] for a in details["activities"][kind.plural]] == [made["id"]]

            # Every action: refused to a non-attendee, done by who may, in declared order.
            for action in kind.actions.values():
                path, body = f"{url}/{action.name}", action.example(made)
                assert await error_code(await outsider.post(path, json=body), 403) == "forbidden"
                if action.organizer:
                    assert await error_code(await actor.post(path, json=body), 403)
                await ok(await (client if action.organizer else actor).post(path, json=body))
            final = await ok(await actor.get(url))
            assert final["status"] != "open", "the actions in order end the activity"
            assert str(made["id"]) in await _csv_ids(client, r.number, kind.plural)

            events = ["created", *(a.event for a in kind.actions.values())]
            frames = await _frames(ws, kind.name, events)

    assert [f["event"] for f in frames] == events
    versions = [f["data"]["version"] for f in frames]
    assert versions == sorted(set(versions)), versions
    assert all(f["data"]["id"] == made["id"] for f in frames)
    assert frames[-1]["data"]["version"] == final["version"]
    assert frames[-1]["data"]["status"] == final["status"]
