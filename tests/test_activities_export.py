"""CSV export: UTF-8 with BOM, attachment name, the rows an organizer expects, formulas defused."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hub.simulator import RunningSimulator
from tests.fixtures_activities import ok, room
from tests.helpers_auth import sim_settings


async def _export(client: Any, number: str, kind: str) -> list[dict[str, str]]:
    resp = await client.get(f"/api/meetings/{number}/export.csv", params={"kind": kind})
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/csv")
    disposition = resp.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=meeting-{number}-{kind}.csv"
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


async def test_export_every_kind(
    sim: RunningSimulator, make_settings: Any, hub_client: Any
) -> None:
    settings = sim_settings(make_settings, sim.url)
    client = await hub_client(settings)
    async with room(client, sim.url, 2) as r:
        a0, a1 = r.attendees
        await ok(await a0.put("/api/me", json={"name": "张三"}))
        await ok(await a1.put("/api/me", json={"name": "=HYPERLINK(1)"}))
        base = f"/api/meetings/{r.number}"

        poll_body = {"question": "午饭?", "options": ["面", "饭", "粥"], "multi": True}
        poll = await ok(await client.post(f"{base}/polls", json=poll_body), 201)
        noodles, rice, _ = (o["id"] for o in poll["options"])
        vote = f"/api/polls/{poll['id']}/vote"
        await ok(await a0.post(vote, json={"option_ids": [noodles, rice]}))
        await ok(await a1.post(vote, json={"option_ids": [rice]}))
        rows = await _export(client, r.number, "polls")
        assert [(row["option"], row["option_votes"], row["name"]) for row in rows] == [
            ("面", "1", "张三"),
            ("饭", "2", "张三"),
            ("饭", "2", "'=HYPERLINK(1)"),
            ("粥", "0", ""),
        ]
        assert {row["question"] for row in rows} == {"午饭?"}

        rating = await ok(await client.post(f"{base}/ratings", json={"subject": "讲座"}), 201)
        await ok(await a0.post(f"/api/ratings/{rating['id']}/score", json={"score": 5}))
        rows = await _export(client, r.number, "ratings")
        assert [(row["subject"], row["userid"], row["score"]) for row in rows] == [
            ("讲座", "a0", "5")
        ]

        packet_body = {"total_cents": 1001, "count": 2}
        packet = await ok(await client.post(f"{base}/redpackets", json=packet_body), 201)
        got = await ok(await a1.post(f"/api/redpackets/{packet['id']}/claim"))
        rows = await _export(client, r.number, "redpackets")
        assert len(rows) == 2 and sum(int(row["cents"]) for row in rows) == 1001
        claimed = next(row for row in rows if row["userid"])
        assert (claimed["userid"], int(claimed["cents"]), int(claimed["index"])) == (
            "a1",
            got["cents"],
            got["index"],
        )
        assert claimed["yuan"] == f"{got['cents'] // 100}.{got['cents'] % 100:02d}"
        assert claimed["claimed_at"].endswith("Z")

        lot = await ok(
            await client.post(f"{base}/lotteries", json={"title": "奖", "winners": 2}), 201
        )
        pending = await _export(client, r.number, "lotteries")
        assert [(row["title"], row["status"], row["userid"]) for row in pending] == [
            ("奖", "open", "")
        ]
        await ok(await client.post(f"/api/lotteries/{lot['id']}/draw"))
        rows = await _export(client, r.number, "lotteries")
        assert sorted(row["userid"] for row in rows) == ["a0", "a1"]
        assert [row["position"] for row in rows] == ["1", "2"]

        headers = {"Origin": settings.public_url}
        async with a0.ws_connect(f"/ws/meetings/{r.number}", headers=headers) as ws:
            await ws.send_str(json.dumps({"type": "chat", "text": "大家好", "client_id": "c-1"}))
            while json.loads((await ws.receive(timeout=10)).data)["type"] != "chat":
                pass
        rows = await _export(client, r.number, "chat")
        assert [(row["seq"], row["name"], row["text"]) for row in rows] == [("1", "张三", "大家好")]
