"""How many reaction frames a screen receives while 1,000 people tap: `python -m bench.reactions`.

Starts a hub in this process (SQLite and the in-process cache in a temporary folder), seats
`--people` attendees on websockets (tickets, as non-browser clients connect), has each send
`--rate` reactions a second for `--seconds`, and prints what one watching screen received: frames a
second (mean and the busiest second) and whether the totals match what was sent. The server merges
reactions into at most one frame per 0.3 s (hub.realtime.reactions), whatever the crowd does.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from hub.app import create_app
from hub.keys import CACHE, DB
from hub.realtime.reactions import EMOJIS, REACTIONS
from hub.realtime.ticket import issue_ticket
from hub.settings import Settings
from hub.storage.meetings import create_meeting, find_free_number, join_meeting
from hub.storage.users import upsert_login


async def _seat(app: web.Application, people: int) -> tuple[str, int, list[int]]:
    """A meeting with `people` attendees; its number, id and the attendees' ids."""
    db, now = app[DB], time.time()
    organizer = await upsert_login(db, "bench-org", "", now)
    number = await find_free_number(db, 12345)
    assert number is not None
    async with db.transaction() as tx:
        meeting = await create_meeting(tx, number, "reactions bench", organizer.id, now)
    ids = []
    for i in range(people):
        user = await upsert_login(db, f"bench{i}", "", now)
        await join_meeting(db, meeting.id, user.id, now)
        ids.append(user.id)
    return meeting.number, meeting.id, ids


async def run(people: int, rate: float, seconds: float) -> None:
    """Start the hub, run the crowd, print what the screen saw."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/hub.db",
            public_url="http://127.0.0.1:8080",
            secret_key=secrets.token_urlsafe(48),
            admin_token=secrets.token_urlsafe(24),
            demo=False,
            live_sync_enabled=False,
        )
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        app = runner.app
        try:
            number, meeting_id, ids = await _seat(app, people + 1)
            base = f"ws://127.0.0.1:{port}/ws/meetings/{number}?ticket="
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:

                async def connect(user_id: int) -> aiohttp.ClientWebSocketResponse:
                    ws = await http.ws_connect(
                        base + await issue_ticket(app[CACHE], user_id, meeting_id)
                    )
                    while json.loads((await ws.receive()).data)["type"] != "hello":
                        pass
                    return ws

                screen = await connect(ids[0])
                crowd = [await connect(uid) for uid in ids[1:]]
                print(f"{people} people connected; tapping {rate}/s each for {seconds:.0f} s")
                arrivals: list[float] = []
                last: dict[str, Any] = {}
                sent: collections.Counter[str] = collections.Counter()

                async def watch() -> None:
                    async for msg in screen:
                        frame = json.loads(msg.data)
                        if frame["type"] == "reactions":
                            arrivals.append(time.monotonic())
                            last.update(frame)

                async def tap(i: int, ws: aiohttp.ClientWebSocketResponse) -> None:
                    await asyncio.sleep((i % 100) / 100 / rate)  # spread the first taps
                    for n in range(int(seconds * rate)):
                        emoji = EMOJIS[(i + n) % len(EMOJIS)]
                        await ws.send_str(json.dumps({"type": "reaction", "emoji": emoji}))
                        sent[emoji] += 1
                        await asyncio.sleep(1 / rate)

                watcher = asyncio.create_task(watch())
                started = time.monotonic()
                await asyncio.gather(*(tap(i, ws) for i, ws in enumerate(crowd)))
                await asyncio.sleep(1.5)  # the last merged frame
                elapsed = time.monotonic() - started
                watcher.cancel()
                per_second = collections.Counter(int(t - started) for t in arrivals)
                print(f"screen received {len(arrivals)} reaction frames in {elapsed:.1f} s:")
                busiest = max(per_second.values(), default=0)
                mean = len(arrivals) / elapsed
                print(f"  {mean:.2f} frames/s on average, busiest second {busiest}")
                merger = app[REACTIONS]
                print(f"  reactions sent {sum(sent.values())}, accepted {merger.accepted},", end="")
                print(f" dropped {merger.dropped}")
                exact = sum(last.get("totals", {}).values()) == merger.accepted
                print(f"  totals in the last frame match what was accepted: {exact}")
                for ws in [screen, *crowd]:
                    await ws.close()
        finally:
            await runner.cleanup()


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=2.0, help="reactions a second per person")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.people, args.rate, args.seconds))


if __name__ == "__main__":
    main()
