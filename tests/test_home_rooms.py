"""The home page and /api/live/rooms over 10,000 rooms: search, status filter, counts, paging;
the first 20 rooms in the HTML; room pages; compressed, cacheable assets."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.fixtures_live import Hub, MakeHub
from tests.fixtures_sim import Sim

ROOMS = 10_000


@pytest.fixture
async def hub(sim: Sim, make_hub: MakeHub) -> Hub:
    """A hub mirroring 10,000 generated rooms, on SQLite and on MariaDB."""
    await sim.generate(ROOMS, seed=11)
    h: Hub = await make_hub(live_daily_quota=100_000)
    run = await h.live.sync("test")
    assert run is not None and run.ok and run.seen == ROOMS
    return h


async def api(hub: Hub, **params: str) -> dict[str, Any]:
    resp = await hub.client.get("/api/live/rooms", params=params)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_search_filter_counts_and_paging_over_10000_rooms(hub: Hub, sim: Sim) -> None:
    rooms = (await sim.state())["rooms"]
    everything = await api(hub)
    assert list(everything) == ["total", "page", "page_size", "rooms", "counts"]
    assert everything["total"] == ROOMS and len(everything["rooms"]) == 20
    by_status: dict[str, int] = {}
    for r in rooms:
        by_status[str(r["live_status"])] = by_status.get(str(r["live_status"]), 0) + 1
    assert {k: n for k, n in everything["counts"].items() if k != "replay" and n} == by_status

    # Search by anchor and by name: what the simulator holds, exactly.
    anchor = rooms[17]["anchor_name"]
    found = await api(hub, q=anchor, page_size="100")
    expected = [r for r in rooms if anchor in r["anchor_name"] or anchor in r["name"]]
    assert found["total"] == len(expected) > 0
    assert sum(n for k, n in found["counts"].items() if k != "replay") == len(expected)
    word = rooms[3]["name"][-2:]
    named = await api(hub, q=word)
    assert named["total"] == len(
        [r for r in rooms if word in r["name"] or word in r["anchor_name"]]
    )
    # Wildcards are text, not patterns.
    assert (await api(hub, q="%"))["total"] == 0
    assert (await api(hub, q="_"))["total"] == 0

    # A status filter keeps the counts of the others; the total is its own count.
    live = await api(hub, status="101", page_size="100")
    assert live["total"] == by_status["101"] and live["counts"] == everything["counts"]
    assert {r["live_status"] for r in live["rooms"]} == {101}
    both = await api(hub, q=anchor, status="101,102")
    assert both["total"] == len([r for r in expected if r["live_status"] in (101, 102)])

    # Paging walks every room exactly once, pinned first then newest first.
    seen: list[tuple[int, int]] = []
    page = 1
    while True:
        body = await api(hub, page=str(page), page_size="100")
        seen += [(r["start_time"], r["roomid"]) for r in body["rooms"]]
        if page * 100 >= body["total"]:
            break
        page += 1
    assert page == 100 and len(seen) == ROOMS and len(set(seen)) == ROOMS
    assert seen == sorted(seen, reverse=True)
    last = await api(hub, page="500", page_size="20")
    assert len(last["rooms"]) == 20 and (await api(hub, page="501"))["rooms"] == []


async def test_home_renders_the_view_its_url_names(hub: Hub, sim: Sim) -> None:
    resp = await hub.client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.status == 200 and resp.headers["Content-Encoding"] == "gzip"
    html = await resp.text()
    assert html.count('class="room-card ') == 20  # no card waits for JavaScript
    assert "第 1–20 个，共 10000 个" in html and "第 1 / 500 页" in html
    first = (await api(hub))["rooms"][0]
    assert f'href="/live/rooms/{first["roomid"]}"' in html

    anchor = (await sim.state())["rooms"][5]["anchor_name"]
    wanted = await api(hub, q=anchor, status="102", page="2")
    resp = await hub.client.get("/", params={"q": anchor, "status": "102", "page": "2"})
    html = await resp.text()
    cards = re.findall(r'class="room-card s\d+" href="/live/rooms/(\d+)"', html)
    assert [int(c) for c in cards] == [r["roomid"] for r in wanted["rooms"]]
    assert f'value="{anchor}"' in html and 'class="chip active" href="/?q=' in html
    # A bad page number in a shared link shows the first page rather than failing.
    assert (await hub.client.get("/", params={"page": "abc", "status": "999"})).status == 200


async def test_static_assets_are_compressed_and_cached_for_good(hub: Hub) -> None:
    html = await (await hub.client.get("/")).text()
    script = re.search(r'src="(/static/js/home\.js\?v=[^"]+)"', html)
    assert script is not None
    resp = await hub.client.get(script.group(1), headers={"Accept-Encoding": "gzip"})
    assert resp.status == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert "immutable" in resp.headers["Cache-Control"]
    assert "export" in await resp.text() or "import" in await resp.text()


async def test_room_page_and_a_styled_404(hub: Hub) -> None:
    room = next(
        r for r in (await api(hub, status="103", page_size="100"))["rooms"] if r["live_replay"]
    )
    resp = await hub.client.get(f"/live/rooms/{room['roomid']}")
    assert resp.status == 200
    html = await resp.text()
    assert room["name"] in html.replace("&#34;", '"')
    assert html.count("<video") == len(room["live_replay"])
    assert "plugin-private://wx2b03c6e691cd7370/pages/live-player-plugin?room_id=" in html
    assert "toggle-pin" not in html  # not an admin
    for path in ("/live/rooms/1", "/live/rooms/abc", "/live/rooms/99999999999999999999"):
        resp = await hub.client.get(path)
        assert resp.status == 404 and "直播间不存在" in await resp.text()
