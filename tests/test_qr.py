"""QR codes: the join PNG decodes back to the join URL; data URLs only for this hub's links."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hub.keys import DB
from hub.meetings.numbers import open_meeting
from hub.meetings.screen_links import create_link
from hub.simulator import RunningSimulator
from hub.storage.users import upsert_login
from tests.helpers_auth import login, sim_settings

PUBLIC = "https://hub.example.com"
# Session cookies are Secure under an https public URL, so signed-in tests use plain http.
LOCAL = "http://hub.example.com:8000"


def decode_qr(png: bytes, tmp_path: Path) -> str:
    """What a phone would read from the PNG (zbarimg, from Debian's zbar-tools)."""
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is required (apt-get install zbar-tools; scripts/test installs it)")
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    out = subprocess.run(
        ["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


async def test_join_qr_png_decodes_to_the_join_url(
    make_settings: Any, hub_client: Any, tmp_path: Path
) -> None:
    client = await hub_client(make_settings(public_url=PUBLIC))
    # Only a live meeting's number has a QR (issue 13, F9), shown to those who know the meeting
    # (F2): an attendee or, as here, the meeting's screen link.
    db = client.app[DB]
    owner = await upsert_login(db, "qrowner", None, 0.0)
    meeting = await open_meeting(db, "qr", owner.id, 0.0)
    number = meeting.number
    _, ticket = await create_link(db, meeting.id, owner.id, 0.0)
    resp = await client.get(f"/m/{number}/qr.png?ticket={ticket}")
    assert resp.status == 200 and resp.content_type == "image/png"
    png = await resp.read()
    assert png.startswith(b"\x89PNG")
    assert decode_qr(png, tmp_path) == f"{PUBLIC}/m/{number}"
    for bad in ("abc", "123456", "1234"):
        assert (await client.get(f"/m/{bad}/qr.png")).status == 404


async def test_qrcode_data_url_only_for_this_hub(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, tmp_path: Path
) -> None:
    client = await hub_client(sim_settings(make_settings, sim.url, public_url=LOCAL))
    url = f"{LOCAL}/m/54321?from=share"
    assert (await client.post("/api/qrcode", json={"url": url})).status == 401
    await login(client, sim.url, "zhouting")
    resp = await client.post("/api/qrcode", json={"url": url})
    assert resp.status == 200, await resp.text()
    data_url = (await resp.json())["data_url"]
    prefix = "data:image/png;base64,"
    assert data_url.startswith(prefix)
    assert decode_qr(base64.b64decode(data_url[len(prefix) :]), tmp_path) == url
    assert (
        await client.post("/api/qrcode", json={"url": "HTTP://Hub.Example.com:8000"})
    ).status == 200
    for foreign in (
        "https://evil.example/m/54321",
        "https://hub.example.com:8000/m/54321",
        "http://hub.example.com/m/1",
        "http://hub.example.com:8001/m/1",
        "http://hub.example.com.evil.example:8000/",
        "http://evil.example:8000@hub.example.com:8001/",
        "javascript:alert(1)",
        "http://hub.example.com:99999/",
        "",
        "x" * 5000,
    ):
        resp = await client.post("/api/qrcode", json={"url": foreign})
        assert resp.status == 400, foreign
        assert "code" in (await resp.json())["error"]
    assert (await client.post("/api/qrcode", json={"url": 42})).status == 400
