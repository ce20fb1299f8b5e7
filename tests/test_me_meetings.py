"""My meetings: `GET /api/me/meetings` lists the meetings I organize or joined, newest first and
paged, with my role, status, date and the record's link (SQLite and MariaDB)."""

from __future__ import annotations

from typing import Any

from hub.clock import Clock
from tests.fixtures_activities import error_code, ok
from tests.fixtures_sim import Sim
from tests.helpers_auth import login, new_browser, sim_settings


async def test_my_meetings_newest_first_with_role_and_status(
    sim: Sim, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    clock = Clock()
    settings = sim_settings(make_settings, sim.url, database_url=db_url, meetings_per_user=30)
    client = await hub_client(settings, clock=clock)
    assert await error_code(await client.get("/api/me/meetings"), 401) == "unauthorized"
    await login(client, sim.url, "zhangsan")
    async with new_browser(client) as lisi:
        await login(lisi, sim.url, "lisi")
        numbers = []
        for i in range(23):
            clock.advance(60)
            made = await ok(await client.post("/api/meetings", json={"title": f"会{i}"}), 201)
            numbers.append(made["number"])
        clock.advance(60)
        theirs = await ok(await lisi.post("/api/meetings", json={"title": "李四的会"}), 201)
        await ok(await client.post(f"/api/meetings/{theirs['number']}/join"))
        await ok(await client.post(f"/api/meetings/{numbers[0]}/end"))

        first = await ok(await client.get("/api/me/meetings"))
        assert first["total"] == 24 and len(first["meetings"]) == 20
        top = first["meetings"][0]
        assert (top["number"], top["title"], top["role"], top["status"]) == (
            theirs["number"],
            "李四的会",
            "attendee",
            "live",
        )
        assert top["url"] == f"/m/{theirs['number']}" and top["created_at"].endswith("Z")
        assert [m["title"] for m in first["meetings"][1:4]] == ["会22", "会21", "会20"]
        rest = await ok(await client.get("/api/me/meetings", params={"page": "2"}))
        assert [m["title"] for m in rest["meetings"]] == ["会3", "会2", "会1", "会0"]
        oldest = rest["meetings"][-1]
        assert (oldest["role"], oldest["status"]) == ("organizer", "ended")
        assert oldest["ended_at"] is not None
        # lisi organizes one meeting; zhangsan's meetings are not hers.
        hers = await ok(await lisi.get("/api/me/meetings"))
        assert hers["total"] == 1 and hers["meetings"][0]["role"] == "organizer"
        bad = await client.get("/api/me/meetings", params={"page": "0"})
        assert await error_code(bad, 400) == "bad_request"
