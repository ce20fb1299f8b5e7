"""Benchmark the live sync: calls, SQL statements and wall time, against the egg.js algorithm.

python bench/sync.py [--rooms 10000]

Starts the simulator with N rooms (a tenth of them ended with replays ready), then on SQLite and
on MariaDB (HUB_BENCH_MYSQL_URL, else a throwaway server from tests/servers.py) runs a first sync
into an empty mirror and a second sync with nothing changed. The egg.js figures are computed on
the same data from its algorithm (page size 50, findOne + create/update per room, a replay call
per ended room without a stored replay on every sync, deletes one by one).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.live.cli import open_live
from hub.settings import Settings
from hub.simulator import SimConfig, start_simulator
from hub.wechat.endpoints import WeChatEndpoints

HOUR = 3600


@dataclass
class Figures:
    """What one sync cost."""

    list_calls: int
    replay_calls: int
    statements: int
    seconds: float | None
    upserted: int = 0
    hub_seconds: float | None = None  # wall time less the time waiting for WeChat's answers
    replays: int = 0


async def prepare_rooms(session: aiohttp.ClientSession, url: str, count: int) -> int:
    """Generate `count` rooms; exactly a tenth end (103) with a replay ready, none other ended."""
    async with session.post(
        f"{url}/_sim/rooms/generate", json={"count": count, "seed": 7, "replace": True}
    ) as resp:
        assert resp.status == 200, await resp.text()
    async with session.get(f"{url}/_sim/state") as resp:
        state = await resp.json()
    now = state["now"]
    want = count // 10
    updates: list[dict[str, Any]] = []
    chosen = 0
    # Ended long enough ago that WeChat has the replay; other ended rooms become "expired" (107).
    for room in sorted(state["rooms"], key=lambda r: r["roomid"]):
        if room["live_status"] == 103 and room["end_time"] <= now - HOUR and chosen < want:
            chosen += 1
            updates.append({"roomid": room["roomid"], "close_replay": 0})
        elif room["live_status"] == 103:
            updates.append({"roomid": room["roomid"], "live_status": 107})
    for start in range(0, len(updates), 2000):
        body = {"rooms": updates[start : start + 2000], "replace": False}
        async with session.post(f"{url}/_sim/rooms", json=body) as resp:
            assert resp.status == 200, await resp.text()
    return chosen


async def sim_counts(session: aiohttp.ClientSession, url: str) -> tuple[int, int]:
    """(list calls, replay calls) the simulator has answered."""
    async with session.get(f"{url}/_sim/state") as resp:
        state = await resp.json()
    return int(state["getliveinfo_calls"]), int(state["replay_calls"])


def settings_for(database_url: str, sim_url: str, data_dir: Path) -> Settings:
    """A production-like hub (not demo) pointed at the simulator, loop off, quota of today."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(40),
        admin_token=secrets.token_urlsafe(20),
        demo=False,
        live_sync_enabled=False,
        live_daily_quota=100_000,  # today's documented quota; 500 would not cover replays
        log_level="WARNING",
        **SimConfig().hub_settings(sim_url),
    )


async def bench_backend(
    session: aiohttp.ClientSession, sim_url: str, database_url: str, data_dir: Path
) -> list[Figures]:
    """A first sync into an empty mirror and a second, unchanged one."""
    async with session.post(f"{sim_url}/_sim/reset", json={}) as resp:
        assert resp.status == 200
    settings = settings_for(database_url, sim_url, data_dir)
    async with open_live(settings, WeChatEndpoints.from_settings(settings)) as live:
        db = live.db
        await db.execute("DELETE FROM live_room")
        await db.execute("DELETE FROM sync_run")
        out = []
        for _ in range(2):
            calls = await sim_counts(session, sim_url)
            statements = db.statements
            waited = live.waited
            began = time.perf_counter()
            run = await live.sync("bench")
            seconds = time.perf_counter() - began
            hub_seconds = seconds - (live.waited - waited)
            assert run is not None and run.ok, run
            after = await sim_counts(session, sim_url)
            out.append(
                Figures(
                    list_calls=after[0] - calls[0],
                    replay_calls=after[1] - calls[1],
                    statements=db.statements - statements,
                    seconds=seconds,
                    upserted=run.upserted,
                    replays=run.replays,
                    hub_seconds=hub_seconds,
                )
            )
        return out


def egg_model(rooms: int, ended: int) -> list[Figures]:
    """The egg.js service's cost on the same data, from its code.

    Pages of 50, stopping when total < page * 50 (so a multiple of 50 costs one extra call,
    which answers 9410000 and makes it report failure before its delete step). Per room a
    findOne plus a create (first sync) or an update (second). Each ended room without a stored
    replay gets a replay call plus findOne + update; all of ours come back with one, so the
    second sync asks none. The delete step is a findAll plus one destroy per gone room (none).
    """
    list_calls = rooms // 50 + 1
    first = Figures(list_calls, ended, 2 * rooms + 2 * ended + 1, None)
    second = Figures(list_calls, 0, 2 * rooms + 1, None)
    return [first, second]


def _ratio(egg: float, hub: float) -> str:
    return f"{egg / hub:.1f}x" if hub else "inf"


def print_table(name: str, hub: list[Figures], egg: list[Figures]) -> None:
    """One backend's figures, with egg.js beside them."""
    print(f"\n== {name} ==")
    head = (
        f"{'sync':<8}{'list calls':>11}{'replay calls':>14}{'SQL stmts':>11}{'wall s':>9}"
        f"{'hub s':>8}"
        f"{'upserted':>10} | {'egg list':>9}{'egg replay':>11}{'egg SQL':>9} | "
        f"{'calls ratio':>11}{'SQL ratio':>10}"
    )
    print(head)
    for label, h, e in zip(("first", "second"), hub, egg, strict=True):
        hub_calls, egg_calls = h.list_calls + h.replay_calls, e.list_calls + e.replay_calls
        print(
            f"{label:<8}{h.list_calls:>11}{h.replay_calls:>14}{h.statements:>11}"
            f"{h.seconds or 0:>9.2f}{h.hub_seconds or 0:>8.2f}{h.upserted:>10} | "
            f"{e.list_calls:>9}{e.replay_calls:>11}"
            f"{e.statements:>9} | {_ratio(egg_calls, hub_calls):>11}"
            f"{_ratio(e.statements, h.statements):>10}"
        )


def mysql_url() -> tuple[str, Any]:
    """HUB_BENCH_MYSQL_URL, else a throwaway MariaDB (returned so it can be destroyed)."""
    given = os.environ.get("HUB_BENCH_MYSQL_URL")
    if given:
        return given, None
    from tests.servers import MariaDB, have_mariadb

    if not have_mariadb():
        return "", None
    server = MariaDB().start()
    server.sql("CREATE DATABASE hub_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return server.url("hub_bench"), server


async def main(rooms: int) -> None:
    """Run the benchmark and print the tables."""
    logging.basicConfig(level=logging.WARNING)
    sim = await start_simulator(SimConfig(rooms=0, seed=7))
    session = aiohttp.ClientSession()
    server = None
    try:
        ended = await prepare_rooms(session, sim.url, rooms)
        print(f"simulator: {rooms} rooms, {ended} ended with replays ready; page size 100")
        egg = egg_model(rooms, ended)
        with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
            sqlite = await bench_backend(session, sim.url, f"sqlite:///{tmp}/hub.db", Path(tmp))
            print_table("SQLite", sqlite, egg)
            url, server = await asyncio.to_thread(mysql_url)
            if url:
                maria = await bench_backend(session, sim.url, url, Path(tmp))
                print_table("MariaDB", maria, egg)
            else:
                print("\n== MariaDB == skipped: set HUB_BENCH_MYSQL_URL or install mariadb")
        print(
            "\nSQL stmts: statements hub's Database counted (SELECTs included; BEGIN/COMMIT not)."
            "\nwall s: the whole sync, including the simulator, which runs in this process and"
            "\nstands in for WeChat; hub s: wall s less the time spent waiting for its answers"
            "\n(the figure issue 20 sets targets for: under 2 s on SQLite, 3 s on MariaDB)."
            "\negg SQL counts findOne + create/update per room, as the egg.js code issues them."
        )
    finally:
        await session.close()
        await sim.close()
        if server is not None:
            server.destroy()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10_000, help="rooms (1..10000)")
    args = parser.parse_args()
    if not 1 <= args.rooms <= 10_000:
        parser.error("--rooms must be between 1 and 10000 (the simulator's limit)")
    asyncio.run(main(args.rooms))
