"""A crowd on one hub process: one meeting of 10,000 websockets, then 100 meetings of 100.

    python bench/ws_crowd.py [--clients 10000] [--workers 4] [--messages 5]

Everyone signs in through the WeCom flow (real session cookies, the real websocket handler).
Client workers are separate processes of lean raw-protocol clients (bench/ws_clients.py). Printed:
- the join storm: how long until every upgrade was answered and until every client's presence
  said the exact count; hub CPU and RSS per connection over it; presence frames per client;
- one chat message to everyone, `--messages` times a second apart: p50/p99/max from send to
  receipt, and deliveries/s (clients / time to the last one);
- the same with 100 meetings of 100 (one message in each meeting at once);
- what bounded the figures: hub CPU against the client workers' CPU over each run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ws_bench_setup import People, Workers, hub_server, prepare_people  # noqa: E402
from bench.ws_clients import client_loop  # noqa: E402
from bench.ws_fanout import (  # noqa: E402
    Target,
    _targets,
    cpu_seconds,
    pct,
    raise_nofile,
    rss_bytes,
)
from hub.storage import open_database  # noqa: E402
from hub.storage.meetings import create_meeting, join_meeting  # noqa: E402
from hub.storage.users import get_user_by_userid  # noqa: E402
from tests.servers import free_port  # noqa: E402

SMALL = 100  # people per meeting in the second run


async def small_meetings(people: People, clients: int) -> list[str]:
    """Meetings of SMALL attendees each (receivers in order); returns their numbers."""
    db = await open_database(people.db_url)
    numbers = []
    try:
        now = time.time()
        for k in range(clients // SMALL):
            ids = []
            for i in range(k * SMALL, (k + 1) * SMALL):
                user = await get_user_by_userid(db, f"r{i:04d}")
                assert user is not None
                ids.append(user.id)
            async with db.transaction() as tx:
                meeting = await create_meeting(tx, 30000 + k, f"Small {k}", ids[0], now)
            for uid in ids:
                await join_meeting(db, meeting.id, uid, now)
            numbers.append(meeting.number)
    finally:
        await db.close()
    return numbers


def spread(targets: list[Target], workers: int) -> list[list[Target]]:
    """Round-robin over the workers, so each holds part of every meeting."""
    return [targets[i::workers] for i in range(workers)]


async def join_storm(
    workers: Workers, parts: list[list[Target]], pid: int, expected: int
) -> dict[str, Any]:
    """Connect every part at once; wait until each client's last presence counts `expected`."""
    cpu0, rss0 = cpu_seconds(pid), rss_bytes(pid)
    client0 = sum(cpu_seconds(p) for p in workers.pids)
    t0 = time.monotonic()
    made = await asyncio.gather(
        *(workers.call(i, "connect", group="crowd", targets=part) for i, part in enumerate(parts))
    )
    joined = time.monotonic() - t0
    refused = sum(m["refused"] for m in made)
    connected = sum(m["connected"] for m in made)
    settled = float("nan")
    deadline = time.monotonic() + 120
    frames: list[int] = []
    while time.monotonic() < deadline:
        got = await workers.all("presence", group="crowd")
        frames = [f for g in got for f in g["frames"]]
        if all(o == expected for g in got for o in g["online"]):
            settled = time.monotonic() - t0
            break
        await asyncio.sleep(0.25)
    await asyncio.sleep(1.0)  # the pending frees of the storm, before reading RSS
    return {
        "connected": connected,
        "refused": refused,
        "joined": joined,
        "settled": settled,
        "cpu_per_conn_ms": (cpu_seconds(pid) - cpu0) * 1e3 / max(1, connected),
        "client_cpu": sum(cpu_seconds(p) for p in workers.pids) - client0,
        "hub_cpu": cpu_seconds(pid) - cpu0,
        "rss_per_conn_kb": (rss_bytes(pid) - rss0) / 1024 / max(1, connected),
        "presence_max": max(frames, default=0),
        "presence_mean": sum(frames) / max(1, len(frames)),
    }


async def deliveries(
    workers: Workers, pid: int, sender_group: str, sender_worker: int | None, per_burst: int, n: int
) -> dict[str, Any]:
    """`n` bursts a second apart; each burst reaches `per_burst` clients in all."""
    await workers.all("start")
    cpu0 = cpu_seconds(pid)
    client0 = sum(cpu_seconds(p) for p in workers.pids)
    sent = 0
    for _ in range(n):
        if sender_worker is None:
            sent += sum(r["sent"] for r in await workers.all("burst", group=sender_group))
        else:
            sent += (await workers.call(sender_worker, "burst", group=sender_group))["sent"]
        await asyncio.sleep(1.0)
    expected = n * per_burst
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sum(c["received"] for c in await workers.all("count")) >= expected:
            break
        await asyncio.sleep(0.2)
    hub_cpu = cpu_seconds(pid) - cpu0
    client_cpu = sum(cpu_seconds(p) for p in workers.pids) - client0
    stats = await workers.all("stop")
    lat = array("q")
    for s in stats:
        lat.frombytes(s["latencies"])
    lats = lat.tolist()
    received = sum(s["received"] for s in stats)
    worst = pct(lats, 1.0)
    return {
        "sent": sent,
        "expected": expected,
        "received": received,
        "p50": pct(lats, 0.5),
        "p99": pct(lats, 0.99),
        "max": worst,
        "rate": (per_burst / (worst / 1e3)) if lats else 0.0,
        "hub_us": hub_cpu * 1e6 / max(1, received),
        "client_us": client_cpu * 1e6 / max(1, received),
        # The hub's CPU time for one burst against the time the burst took to reach everyone.
        "hub_share": hub_cpu / n / (worst / 1e3) if lats else float("nan"),
    }


def show_join(label: str, r: dict[str, Any], *, memory: bool = True) -> None:
    rss = f" and RSS {r['rss_per_conn_kb']:.1f} KB" if memory else ""
    print(
        f"{label}: {r['connected']} connected ({r['refused']} refused); every upgrade answered "
        f"in {r['joined']:.1f} s, every presence exact after {r['settled']:.1f} s; hub CPU "
        f"{r['cpu_per_conn_ms']:.2f} ms{rss} per connection; "
        f"presence frames per client max {r['presence_max']}, mean {r['presence_mean']:.1f}; "
        f"CPU s over the storm: hub {r['hub_cpu']:.1f}, clients {r['client_cpu']:.1f}",
        flush=True,
    )


def show_deliveries(label: str, r: dict[str, Any]) -> None:
    complete = "all" if r["received"] == r["expected"] else f"{r['received']}/{r['expected']}"
    bound = "the hub process" if r["hub_share"] >= 0.6 else "the client workers and the kernel"
    print(
        f"{label}: {r['sent']} messages, delivered {complete}; p50 {r['p50']:.0f} ms, "
        f"p99 {r['p99']:.0f} ms, max {r['max']:.0f} ms; {r['rate'] / 1000:.1f}k deliveries/s "
        f"to the last client; CPU µs per delivery: hub {r['hub_us']:.1f}, clients "
        f"{r['client_us']:.1f}; the hub computed for {r['hub_share']:.0%} of a burst's time "
        f"(bounded by {bound})",
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    """Sign in, the big meeting, then the small ones."""
    raise_nofile(2 * args.clients + 2048)
    tmp = Path(tempfile.mkdtemp(prefix="ws-crowd-"))
    workers = Workers(args.workers)
    people: People | None = None
    server = None
    try:
        t0 = time.monotonic()
        people = await prepare_people(tmp, args.clients, 1, probes=1)
        numbers = await small_meetings(people, args.clients)
        print(f"signed in {args.clients + 2} users in {time.monotonic() - t0:.0f} s", flush=True)
        server = hub_server(people, free_port())
        await server.start()
        await asyncio.sleep(1)
        room = f"/ws/meetings/{people.room}"
        sender = _targets(people.senders, [server.port], room)
        await workers.call(0, "connect", group="sender", targets=sender)
        crowd = _targets(people.receivers, [server.port], room)
        print(
            f"\n{args.clients} websockets, one hub process, {args.workers} client worker "
            f"processes ({client_loop()}), {multiprocessing.cpu_count()} cores\n",
            flush=True,
        )
        big = await join_storm(workers, spread(crowd, args.workers), server.pid, args.clients + 1)
        show_join(f"one meeting of {args.clients}", big)
        one = await deliveries(workers, server.pid, "sender", 0, args.clients + 1, args.messages)
        show_deliveries("  one message to all", one)
        await workers.all("close")
        await asyncio.sleep(2)

        targets = [
            (server.port, f"/ws/meetings/{numbers[i // SMALL]}", t[2])
            for i, t in enumerate(_targets(people.receivers, [server.port], room))
        ]
        # The first attendee of each meeting sends; all on worker 0, the rest spread.
        leaders = targets[::SMALL]
        await workers.call(0, "connect", group="leaders", targets=leaders)
        rest = [t for i, t in enumerate(targets) if i % SMALL]
        small = await join_storm(workers, spread(rest, args.workers), server.pid, SMALL)
        # RSS is left out: the sockets of the first run freed memory that these reuse.
        show_join(f"{len(numbers)} meetings of {SMALL}", small, memory=False)
        many = await deliveries(workers, server.pid, "leaders", 0, args.clients, args.messages)
        show_deliveries("  one message in each meeting at once", many)
        await workers.all("close")
    finally:
        if server is not None:
            server.stop()
        workers.close()
        if people is not None:
            await people.sim.close()
        shutil.rmtree(tmp, ignore_errors=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=10_000, help="a multiple of 100")
    p.add_argument("--workers", type=int, default=4, help="client worker processes")
    p.add_argument("--messages", type=int, default=5)
    return p.parse_args(argv)


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    asyncio.run(main(parse()))
