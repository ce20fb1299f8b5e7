"""A WeChat call that got no answer is never reported as errcode 0, WeChat's "ok" (ops F11)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from hub.wechat.errors import WeChatError, WeChatUnavailable, error_for
from tests.fixtures_live import ADMIN, MakeHub
from tests.fixtures_sim import Sim


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 500}, "errcode=null, errmsg=HTTP 500"),
        ({"drop": True}, "errcode=null, errmsg=ServerDisconnectedError"),
        ({"errcode": 9410001}, "errcode=9410001, errmsg="),  # WeChat's own errcode stays
    ],
    ids=["http500", "dropped", "errcode"],
)
async def test_a_failed_sync_says_what_failed_everywhere_it_is_shown(
    sim: Sim,
    make_hub: MakeHub,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
    error: str,
) -> None:
    await sim.rooms([{"roomid": 1, "live_status": 102}])
    hub = await make_hub()
    await sim.fault("getliveinfo", times=20, **fault)
    caplog.set_level(logging.INFO)

    resp = await hub.client.post("/api/admin/live/sync", headers=ADMIN)
    assert resp.status == 200
    answer = await resp.json()
    assert answer["ok"] is False and answer["run"]["error"].startswith(error)

    resp = await hub.client.get("/api/admin/live/status", headers=ADMIN)
    assert (await resp.json())["runs"][0]["error"].startswith(error)

    resp = await hub.client.get("/live/syncRoomList", headers=ADMIN)
    egg = await resp.json()
    assert egg["code"] == 0 and error in egg["msg"]

    for record in caplog.records:
        text = record.getMessage()
        assert "errcode=0" not in text and "errcode 0" not in text, text


def test_no_error_text_says_errcode_0() -> None:
    """Any caller that builds an error from "no errcode" gets null in every text, 0 nowhere."""
    for exc in (WeChatUnavailable(0, "HTTP 502"), WeChatError(0, "timed out"), error_for(0, "x")):
        assert exc.wechat_errcode is None
        assert exc.detail.startswith("errcode=null, ") and "errcode=0" not in str(exc)
    busy = WeChatUnavailable(-1, "system busy")
    assert busy.wechat_errcode == -1 and str(busy) == "errcode=-1, errmsg=system busy"
    assert WeChatUnavailable(0, "HTTP 500", http_status=500).http_status == 500
