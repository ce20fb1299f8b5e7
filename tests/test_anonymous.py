"""Anonymous activities on SQLite and MariaDB: one vote per person still holds, and nothing the
organizer sees (answers, frames, the CSV export) names who scored or asked."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl

from hub.simulator import RunningSimulator
from tests.fixtures_activities import error_code, ok, room
from tests.fixtures_realtime import frame_of
from tests.helpers_auth import sim_settings


async def _csv(client: Any, number: str, kind: str) -> list[list[str]]:
    resp = await client.get(f"/api/meetings/{number}/export.csv", params={"kind": kind})
    assert resp.status == 200, await resp.text()
    return list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))


async def test_anonymous_rating_names_no_scorer_to_the_organizer(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    async with room(client, sim.url, 2) as r:
        people = [(await ok(await b.get("/api/me")))["user"] for b in r.attendees]
        marks = {m for p in people for m in (str(p["userid"]), str(p["name"]))}
        create = f"/api/meetings/{r.number}/ratings"
        secret = await ok(
            await client.post(create, json={"subject": "匿名评分", "anonymous": True}), 201
        )
        named = await ok(await client.post(create, json={"subject": "实名评分"}), 201)
        assert secret["anonymous"] is True and named["anonymous"] is False
        origin = {"Origin": settings.public_url}
        seen: list[str] = []
        async with client.ws_connect(f"/ws/meetings/{r.number}", headers=origin) as ws:
            await frame_of(ws, "hello")
            for i, browser in enumerate(r.attendees):
                for rating in (secret, named):
                    url = f"/api/ratings/{rating['id']}/score"
                    await ok(await browser.post(url, json={"score": 3 + i}))
            # One score per person still holds: a second changes it, never adds one.
            await ok(
                await r.attendees[0].post(f"/api/ratings/{secret['id']}/score", json={"score": 5})
            )
            while True:
                frame = await frame_of(ws, "activity")
                seen.append(json.dumps(frame, ensure_ascii=False))
                data = frame["data"]
                scores = data.get("distribution", {})
                if data["id"] == secret["id"] and scores.get("5") == scores.get("4") == 1:
                    break
        final = await ok(await client.get(f"/api/ratings/{secret['id']}"))
        assert final["count"] == 2
        seen.append(json.dumps(final, ensure_ascii=False))
        # The meeting lists who attends (that is not who scored): its activities are checked.
        details = await ok(await client.get(f"/api/meetings/{r.number}"))
        seen.append(json.dumps(details["activities"], ensure_ascii=False))
        for blob in seen:
            for mark in marks:
                assert f'"{mark}"' not in blob, mark
        rows = _rows_by_subject(await _csv(client, r.number, "ratings"))
        assert len(rows["匿名评分"]) == 2 and all(row[4:6] == ["", ""] for row in rows["匿名评分"])
        assert {row[4] for row in rows["实名评分"]} == {str(p["userid"]) for p in people}
        bad = await client.post(create, json={"subject": "x", "anonymous": "yes"})
        assert await error_code(bad, 400)


def _rows_by_subject(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    found: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        found.setdefault(row[1], []).append(row)
    return found


async def test_anonymous_poll_names_no_voter_and_still_takes_one_ballot_each(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    settings = sim_settings(make_settings, sim.url, database_url=db_url)
    client = await hub_client(settings)
    async with room(client, sim.url, 2) as r:
        people = [(await ok(await b.get("/api/me")))["user"] for b in r.attendees]
        marks = {m for p in people for m in (str(p["userid"]), str(p["name"]))}
        body = {"question": "匿名投票", "options": ["甲", "乙"], "anonymous": True}
        poll = await ok(await client.post(f"/api/meetings/{r.number}/polls", json=body), 201)
        assert poll["anonymous"] is True
        first = poll["options"][0]["id"]
        seen: list[str] = []
        origin = {"Origin": settings.public_url}
        async with client.ws_connect(f"/ws/meetings/{r.number}", headers=origin) as ws:
            await frame_of(ws, "hello")
            for browser in r.attendees:
                vote = await browser.post(
                    f"/api/polls/{poll['id']}/vote", json={"option_ids": [first]}
                )
                seen.append(json.dumps(await ok(vote), ensure_ascii=False))
            again = await r.attendees[0].post(
                f"/api/polls/{poll['id']}/vote", json={"option_ids": [first]}
            )
            assert await error_code(again, 409) == "already_voted"
            while True:
                frame = await frame_of(ws, "activity")
                seen.append(json.dumps(frame, ensure_ascii=False))
                if frame["data"]["total_votes"] == 2:
                    break
        final = await ok(await client.get(f"/api/polls/{poll['id']}"))
        assert final["options"][0]["votes"] == 2
        details = await ok(await client.get(f"/api/meetings/{r.number}"))
        seen += [json.dumps(x, ensure_ascii=False) for x in (final, details["activities"])]
        for blob in seen:
            for mark in marks:
                assert f'"{mark}"' not in blob, mark
        rows = await _csv(client, r.number, "polls")
        voted = [row for row in rows[1:] if row[4] == str(first)]
        assert len(voted) == 2 and all(row[8:10] == ["", ""] for row in voted)
        assert all(mark not in ",".join(row) for row in rows for mark in marks)
        # The workbook too: every row of the poll (its sheet) names no one.
        book = await client.get(f"/api/meetings/{r.number}/export.xlsx")
        assert book.status == 200, await book.text()
        sheets = openpyxl.load_workbook(io.BytesIO(await book.read()), read_only=True)
        poll_rows = [
            [str(cell) for cell in row if cell is not None]
            for sheet in sheets.worksheets
            for row in sheet.iter_rows(values_only=True)
            if "匿名投票" in row
        ]
        assert len(poll_rows) == 3  # two ballots for 甲, one row for 乙 nobody chose
        assert all(mark not in row for row in poll_rows for mark in marks)
