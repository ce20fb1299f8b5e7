"""Names, not userids: WeCom's user/get names people at sign-in, refreshed at most daily; a
withheld name marks the user as needing one; a chosen name wins (SQLite and MariaDB)."""

from __future__ import annotations

from typing import Any

from hub.clock import Clock
from hub.simulator.state import SIM_STATE
from tests.fixtures_activities import ok
from tests.fixtures_realtime import frame_of, next_frame, origin
from tests.fixtures_sim import Sim
from tests.helpers_auth import login, new_browser, sim_settings


async def _me(client: Any) -> dict[str, Any]:
    user: dict[str, Any] = (await ok(await client.get("/api/me")))["user"]
    return user


async def test_chat_shows_the_wecom_name(
    sim: Sim, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "zhangsan")
    me = await _me(client)
    assert (me["name"], me["needs_name"]) == ("张三", False)
    number = (await ok(await client.post("/api/meetings", json={"title": "周会"}), 201))["number"]
    async with new_browser(client) as lisi:
        await login(lisi, sim.url, "lisi")
        await ok(await lisi.post(f"/api/meetings/{number}/join"))
        path = f"/ws/meetings/{number}"
        async with lisi.ws_connect(path, headers=origin(client)) as ws:
            assert (await next_frame(ws))["you"]["name"] == "李四"
            async with client.ws_connect(path, headers=origin(client)) as own:
                await frame_of(own, "hello")
                await own.send_json({"type": "chat", "text": "大家好", "client_id": "c1"})
                got = await frame_of(ws, "chat")
            assert (got["user"]["userid"], got["user"]["name"]) == ("zhangsan", "张三")
        history = await ok(await lisi.get(f"/api/meetings/{number}/messages"))
        assert [m["user"]["name"] for m in history["messages"]] == ["张三"]


async def test_withheld_name_marks_the_user_until_they_pick_one(
    sim: Sim, make_settings: Any, hub_client: Any, db_url: str
) -> None:
    await sim.post("/_sim/names", {"withhold": True})
    client = await hub_client(sim_settings(make_settings, sim.url, database_url=db_url))
    await login(client, sim.url, "wangwu")
    me = await _me(client)
    assert (me["name"], me["needs_name"]) == ("wangwu", True)
    assert (await sim.state())["errcodes"] == {"60011": 1}
    renamed = await ok(await client.put("/api/me", json={"name": "小王"}))
    assert (renamed["user"]["name"], renamed["user"]["needs_name"]) == ("小王", False)
    # A chosen name is never overwritten, and WeCom is not asked again for it.
    await sim.post("/_sim/names", {"withhold": False})
    await login(client, sim.url, "wangwu")
    assert (await _me(client))["name"] == "小王"
    assert (await sim.state())["user_get_calls"] == 1


async def test_name_is_refreshed_at_most_daily(
    sim: Sim, make_settings: Any, hub_client: Any
) -> None:
    clock = Clock()
    client = await hub_client(sim_settings(make_settings, sim.url), clock=clock)
    await login(client, sim.url, "chenjing")
    await login(client, sim.url, "chenjing")
    assert (await sim.state())["user_get_calls"] == 1
    assert (await _me(client))["name"] == "陈静"
    # WeCom renamed her; a sign-in a day later picks it up.
    sim.app[SIM_STATE].members["chenjing"] = ("陈晶", "2")
    await login(client, sim.url, "chenjing")
    assert (await _me(client))["name"] == "陈静"
    clock.advance(86_400)
    await login(client, sim.url, "chenjing")
    assert (await _me(client))["name"] == "陈晶"
    assert (await sim.state())["user_get_calls"] == 2


async def test_a_refusal_keeps_a_name_wecom_gave_before(
    sim: Sim, make_settings: Any, hub_client: Any
) -> None:
    clock = Clock()
    client = await hub_client(sim_settings(make_settings, sim.url), clock=clock)
    await login(client, sim.url, "zhouting")
    await sim.fault("user_get", errcode=60011)
    clock.advance(86_400)
    await login(client, sim.url, "zhouting")
    me = await _me(client)
    assert (me["name"], me["needs_name"]) == ("周婷", False)
