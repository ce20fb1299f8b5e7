"""Exports organizers can use: with `lang`, headers in that language, times in the meeting's
zone (Asia/Shanghai) as YYYY-MM-DD HH:MM:SS, yes/no as words, names and userids; the 签到
export; one workbook with a sheet per activity, the attendees and the chat (openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from hub.keys import DB
from tests.fixtures_activities import error_code, ok, room
from tests.fixtures_sim import Sim
from tests.helpers_auth import sim_settings

BEIJING = ZoneInfo("Asia/Shanghai")


def _beijing(ts: float) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


async def _csv(client: Any, number: str, **params: str) -> list[dict[str, str]]:
    resp = await client.get(f"/api/meetings/{number}/export.csv", params=params)
    assert resp.status == 200, await resp.text()
    return list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))


async def test_csv_times_are_beijing_time_with_chinese_headers(
    sim: Sim, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    async with room(client, sim.url, 2) as r:
        a0 = r.attendees[0]
        await ok(await a0.put("/api/me", json={"name": "张三"}))
        base = f"/api/meetings/{r.number}"
        poll = await ok(
            await client.post(f"{base}/polls", json={"question": "午饭?", "options": ["面", "饭"]}),
            201,
        )
        await ok(
            await a0.post(
                f"/api/polls/{poll['id']}/vote", json={"option_ids": [poll["options"][0]["id"]]}
            )
        )
        db = client.app[DB]
        voted = float(
            await db.fetchval("SELECT created_at FROM ballot WHERE poll_id = ?", (poll["id"],))
        )
        rows = await _csv(client, r.number, kind="polls", lang="zh")
        mine = next(row for row in rows if row["账号"] == "a0")
        assert (mine["姓名"], mine["选项"], mine["多选"], mine["状态"]) == (
            "张三",
            "面",
            "否",
            "进行中",
        )
        assert mine["投票时间"] == _beijing(voted)
        english = await _csv(client, r.number, kind="polls", lang="en")
        assert next(row for row in english if row["User ID"] == "a0")["Multiple choice"] == "no"
        # Without `lang`: the keyed, UTC export programs read, as before.
        keyed = await _csv(client, r.number, kind="polls")
        assert next(row for row in keyed if row["userid"] == "a0")["voted_at"].endswith("Z")

        joined = await db.fetchall(
            "SELECT a.joined_at, u.userid FROM attendee a JOIN app_user u ON u.id = a.user_id"
            " WHERE a.meeting_id = (SELECT id FROM meeting WHERE number = ? AND ended_at IS NULL)"
            " ORDER BY a.joined_at, u.id",
            (r.number,),
        )
        signed = await _csv(client, r.number, kind="attendees", lang="zh")
        assert [(row["账号"], row["签到时间"]) for row in signed] == [
            (str(j["userid"]), _beijing(float(j["joined_at"]))) for j in joined
        ]
        assert {"a0", "a1"} <= {row["账号"] for row in signed}
        bad = await client.get(f"{base}/export.csv", params={"kind": "polls", "lang": "fr"})
        assert await error_code(bad, 400) == "bad_request"


async def test_the_workbook_has_a_sheet_per_activity(
    sim: Sim, make_settings: Any, hub_client: Any
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url))
    async with room(client, sim.url, 3) as r:
        a0, a1, _ = r.attendees
        base = f"/api/meetings/{r.number}"
        polls = [
            await ok(
                await client.post(f"{base}/polls", json={"question": q, "options": ["是", "否"]}),
                201,
            )
            for q in ("一", "二")
        ]
        await ok(
            await a1.post(
                f"/api/polls/{polls[1]['id']}/vote",
                json={"option_ids": [polls[1]["options"][1]["id"]]},
            )
        )
        lot = await ok(await client.post(f"{base}/lotteries", json={"title": "奖"}), 201)
        await ok(await client.post(f"/api/lotteries/{lot['id']}/draw"))
        rating = await ok(await client.post(f"{base}/ratings", json={"subject": "讲座"}), 201)
        resp = await client.get(f"{base}/export.xlsx", headers={"Accept-Language": "zh-CN"})
        assert resp.status == 200, await resp.text()
        assert (
            resp.headers["Content-Disposition"] == f"attachment; filename=meeting-{r.number}.xlsx"
        )
        book = load_workbook(io.BytesIO(await resp.read()))
        assert book.sheetnames == [
            f"投票 {polls[0]['id']}",
            f"投票 {polls[1]['id']}",
            f"抽奖 {lot['id']}",
            f"评分 {rating['id']}",  # nobody scored yet: its header only
            "签到",
            "聊天",
        ]
        second = book[f"投票 {polls[1]['id']}"]
        header = [c.value for c in second[1]]
        assert header[:3] == ["投票编号", "题目", "多选"]
        voted_at = header.index("投票时间")
        vote_row = next(
            row for row in second.iter_rows(min_row=2, values_only=True) if row[voted_at]
        )
        moment = vote_row[voted_at]
        assert isinstance(moment, datetime)
        stored = await client.app[DB].fetchval(
            "SELECT created_at FROM ballot WHERE poll_id = ?", (polls[1]["id"],)
        )
        assert moment.strftime("%Y-%m-%d %H:%M:%S") == _beijing(float(stored))
        assert vote_row[header.index("姓名")] == "a1"
        people = book["签到"]
        assert people.max_row == 1 + 4  # the header, the organizer and three attendees
        assert book[f"评分 {rating['id']}"].max_row == 1
        assert await error_code(await a0.get(f"{base}/export.xlsx"), 403) == "forbidden"
