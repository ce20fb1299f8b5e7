"""Websocket fan-out bench: hub (1 process, 2 and 4 behind Redis) against a bare aiohttp baseline.

    python bench/ws_fanout.py [--clients 1000] [--senders 40] [--seconds 5] [--rates 50000,100000]
    python bench/ws_fanout.py --only-memory   # idle memory per connection, baseline and hub

N clients sit in one meeting; senders (more attendees) send chat at a paced rate through the
real websocket handler (session cookies from a WeCom login through the simulator). Servers run
as separate processes, so their CPU time is read from /proc/<pid>/stat. Client workers are two
processes of lean raw-protocol clients (bench/ws_clients.py). Printed per run: deliveries/s,
latency p50/p99/max from send to receive, whether every message arrived, server CPU µs per
delivery and its ratio to the baseline; the ratio of 2 and 4 processes to one, and Redis's CPU
per published message; then idle memory per connection, as RSS growth and as bytes still
allocated (tracemalloc, bench/traced.py), each over its own batch of `--idle`/2 more clients
joining the same meeting, and an overload run (paused clients, a second meeting probing
app-level and protocol pings).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ws_bench_setup import (  # noqa: E402
    PUBLIC_URL,
    People,
    Server,
    Workers,
    hub_server,
    prepare_people,
    traced_file,
)
from bench.ws_clients import client_loop  # noqa: E402
from tests.servers import Redis, free_port  # noqa: E402

Target = tuple[int, str, dict[str, str]]

TICK = os.sysconf("SC_CLK_TCK")
# Both servers ping each socket this often (hub by default every 25 s): long enough that no ping
# round falls inside the idle-memory window, where every socket's pong would replace objects
# allocated before tracing by new, traced ones and count them as memory of the new clients.
MEMORY_HEARTBEAT = 120.0


def raise_nofile(need: int) -> None:
    """Lift the open-files soft limit (children inherit it): every socket is a descriptor."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(need, soft)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < need:
        print(f"warning: only {target} file descriptors allowed, {need} wanted", flush=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_bytes(pid: int) -> int:
    """Resident memory of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def pct(values: list[int], q: float) -> float:
    """The q-quantile of nanosecond values, in milliseconds."""
    if not values:
        return float("nan")
    values.sort()
    return values[min(len(values) - 1, int(q * len(values)))] / 1e6


async def run_rate(
    workers: Workers,
    pids: list[int],
    conns: int,
    rate: float,
    seconds: float,
    *,
    pad: int = 0,
    drain: float = 10.0,
) -> dict[str, Any]:
    """Send at `rate` deliveries/s for `seconds`; wait for the stragglers; gather figures."""
    await workers.all("start")
    cpu0 = sum(cpu_seconds(p) for p in pids)
    client_cpu0 = sum(cpu_seconds(p) for p in workers.pids)
    t0 = time.monotonic_ns()
    sent = (
        await workers.call(
            0, "send", group="senders", per_second=rate / conns, seconds=seconds, pad=pad
        )
    )["sent"]
    expected = sent * conns
    deadline = time.monotonic() + drain
    while True:
        counts = await workers.all("count")
        if sum(c["received"] for c in counts) >= expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    client_cpu = sum(cpu_seconds(p) for p in workers.pids) - client_cpu0
    stats = await workers.all("stop")
    received = sum(s["received"] for s in stats)
    lat = array("q")
    for s in stats:
        lat.frombytes(s["latencies"])
    lats = lat.tolist()
    span = (max(s["last_ns"] for s in stats) - t0) / 1e9 if received else float("nan")
    return {
        "target": rate,
        "sent": sent,
        "expected": expected,
        "received": received,
        "rate": received / span if received else 0.0,
        "p50": pct(lats, 0.5),
        "p99": pct(lats, 0.99),
        "max": pct(lats, 1.0),
        "cpu_us": cpu * 1e6 / received if received else float("nan"),
        "client_cpu_us": client_cpu * 1e6 / received if received else float("nan"),
        "open": [s["open"] for s in stats],
    }


def show(label: str, r: dict[str, Any], base: dict[str, Any] | None) -> None:
    """One line of the table."""
    ratio = f"{r['cpu_us'] / base['cpu_us']:.2f}x" if base else "-"
    complete = "all" if r["received"] == r["expected"] else f"{r['received']}/{r['expected']}"
    print(
        f"{label:<26} {r['target'] / 1000:>5.0f}k {r['rate'] / 1000:>8.1f}k "
        f"{r['p50']:>7.2f} {r['p99']:>7.2f} {r['max']:>7.2f} {complete:>15} "
        f"{r['cpu_us']:>8.2f} {ratio:>6} {r['client_cpu_us']:>9.2f}",
        flush=True,
    )


HEADER = (
    f"{'server':<26} {'target':>6} {'deliv/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
    f"{'delivered':>15} {'CPU µs/d':>8} {'ratio':>6} {'client µs':>9}"
)


async def settled_rss(pids: list[int], readings: int = 3) -> int:
    """Server RSS once the connects settled: the median of a few readings 0.5 s apart.

    Taken the same way for the baseline and hub (the servers cannot be asked to collect garbage
    from outside; the settle time lets pending callbacks and frees run first).
    """
    await asyncio.sleep(1.5)
    values = []
    for i in range(readings):
        if i:
            await asyncio.sleep(0.5)
        values.append(sum(rss_bytes(p) for p in pids))
    return sorted(values)[len(values) // 2]


async def redis_commands(url: str) -> dict[str, tuple[int, float]]:
    """Redis's own count of calls and CPU µs per command (INFO commandstats)."""
    client = aioredis.from_url(url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return {
        name.removeprefix("cmdstat_"): (int(v["calls"]), float(v["usec"]))
        for name, v in stats.items()
    }


def redis_line(run: dict[str, Any]) -> str:
    """The commands a chat message costs Redis, most frequent first."""
    calls = sorted(
        ((n, c) for n, c in run["redis_calls"].items() if c >= 0.05), key=lambda x: -x[1]
    )
    return ", ".join(f"{n} {c:.1f}" for n, c in calls[:6])


async def traced_bytes(files: list[Path], pids: list[int]) -> int:
    """Ask each server for the bytes allocated since tracing started and still alive."""
    for f in files:
        f.unlink(missing_ok=True)
    for pid in pids:
        os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 30
    while not all(f.exists() for f in files):
        if time.monotonic() > deadline:
            raise RuntimeError("a server did not report its traced memory")
        await asyncio.sleep(0.1)
    return sum(int(f.read_text()) for f in files)


async def connect_room(workers: Workers, targets: list[list[Target]], senders: list[Target]) -> int:
    """Senders, then each worker's receivers; returns the connections made."""
    made = [await workers.call(0, "connect", group="senders", targets=senders)]
    for i, part in enumerate(targets):
        made.append(await workers.call(i, "connect", group="receivers", targets=part))
    refused = sum(m["refused"] for m in made)
    if refused:
        raise RuntimeError(f"{refused} websocket upgrades were refused")
    return int(sum(m["connected"] for m in made))


async def idle_memory(
    workers: Workers, idle: list[Target], pids: list[int], traced: list[Path]
) -> dict[str, float]:
    """Idle memory per connection, marginal, with the meeting's other clients already in: RSS
    growth over a first batch of idle clients, then bytes still allocated (tracemalloc) over a
    second batch, traced alone (tracing costs memory of its own). Both batches are large: memory
    grows in steps (tables double, the allocator takes whole pools), which over a few hundred
    sockets swung the figure by most of a kilobyte. The idle clients are closed again before the
    rate runs."""

    async def batch(part: list[Target]) -> int:
        # Half to each worker process, at once.
        halves = [part[0::2], part[1::2]]
        made = await asyncio.gather(
            *(workers.call(i, "connect", group="idle", targets=h) for i, h in enumerate(halves))
        )
        if sum(m["refused"] for m in made):
            raise RuntimeError("idle websocket upgrades were refused")
        return int(sum(m["connected"] for m in made))

    half = len(idle) // 2
    before = await settled_rss(pids)
    made = await batch(idle[:half])
    rss = (await settled_rss(pids) - before) / max(1, made)
    for pid in pids:
        os.kill(pid, signal.SIGUSR1)
    await asyncio.sleep(0.5)
    made = await batch(idle[half:])
    await asyncio.sleep(1.5)
    alive = await traced_bytes(traced, pids) / max(1, made)
    for i in range(2):
        await workers.call(i, "close", group="idle")
    await cpu_settled(pids)  # the servers clean up after thousands of closes before a rate run
    return {"rss": rss, "traced": alive}


async def cpu_settled(pids: list[int], within: float = 60.0) -> None:
    """Wait until the servers spend under 5% of a core over half a second (or `within` ends)."""
    deadline = time.monotonic() + within
    last = sum(cpu_seconds(p) for p in pids)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = sum(cpu_seconds(p) for p in pids)
        if now - last < 0.025:
            return
        last = now


async def bench_baseline(
    args: argparse.Namespace, workers: Workers, people: People
) -> dict[str, Any]:
    """The bare aiohttp echo-broadcast server, measured like hub (same request headers)."""
    port = free_port()
    log = args.tmp / "baseline.log"
    heartbeat = str(MEMORY_HEARTBEAT)
    cmd = [sys.executable, "-m", "bench.traced", "-m", "bench.ws_baseline", str(port), heartbeat]
    env = {"BENCH_TRACED_FILE": str(traced_file(args.tmp, port))}
    server = Server(cmd, env, port, log)
    await server.start()
    try:
        receivers = _targets(people.receivers[: args.clients], [port], "/ws")
        half = len(receivers) // 2
        senders = _targets(people.senders, [port], "/ws")
        conns = await connect_room(workers, [receivers[:half], receivers[half:]], senders)
        idle = _targets(people.receivers[args.clients :], [port], "/ws")
        mem = await idle_memory(workers, idle, [server.pid], [traced_file(args.tmp, port)])
        if args.only_memory:
            return {"mem": mem}
        runs = [await run_rate(workers, [server.pid], conns, r, args.seconds) for r in args.rates]
        return {"mem": mem, "runs": runs}
    finally:
        server.stop()
        await workers.all("close")


def _targets(cookies: list[str], ports: list[int], path: str) -> list[Target]:
    return [
        (ports[i % len(ports)], path, {"Origin": PUBLIC_URL, "Cookie": f"hub_session={c}"})
        for i, c in enumerate(cookies)
    ]


async def bench_hub(
    args: argparse.Namespace, workers: Workers, people: People, procs: int, redis: str | None
) -> dict[str, Any]:
    """hub in `procs` processes (clients split across them), then overload on one process."""
    settings = {"HUB_WS_HEARTBEAT": str(MEMORY_HEARTBEAT)}
    servers = [hub_server(people, free_port(), redis, settings) for _ in range(procs)]
    for server in servers:
        await server.start()
    pids = [s.pid for s in servers]
    ports = [s.port for s in servers]
    try:
        await asyncio.sleep(1)
        path = f"/ws/meetings/{people.room}"
        rate = people.receivers[: args.clients]
        half = len(rate) // 2
        split = [rate[:half], rate[half:]]
        # Worker i's receivers go to process i (mod procs): clients split across processes.
        targets = [
            _targets(part, ports[i % procs :] + ports[: i % procs], path)
            for i, part in enumerate(split)
        ]
        senders = _targets(people.senders, ports, path)
        conns = await connect_room(workers, targets, senders)
        mem: dict[str, float] = {}
        if procs == 1:
            idle = _targets(people.receivers[args.clients :], ports, path)
            mem = await idle_memory(workers, idle, pids, [traced_file(people.tmp, ports[0])])
        if args.only_memory:
            return {"mem": mem}
        runs = []
        for rate in args.rates:
            redis_cpu0 = cpu_seconds(args.redis_pid)
            commands0 = await redis_commands(args.redis_url)
            run = await run_rate(workers, pids, conns, rate, args.seconds)
            sent = max(1, run["sent"])
            run["redis_us"] = (cpu_seconds(args.redis_pid) - redis_cpu0) * 1e6 / sent
            used = await redis_commands(args.redis_url)
            run["redis_calls"] = {
                name: (calls - commands0.get(name, (0, 0.0))[0]) / sent
                for name, (calls, _) in used.items()
            }
            run["redis_cmd_us"] = (
                sum(us for _, us in used.values()) - sum(us for _, us in commands0.values())
            ) / sent
            runs.append(run)
        result: dict[str, Any] = {"mem": mem, "runs": runs}
        if procs == 1:
            result["overload"] = await overload(args, workers, people, pids, ports, conns)
        return result
    finally:
        for server in servers:
            server.stop()
        await workers.all("close")


async def overload(
    args: argparse.Namespace,
    workers: Workers,
    people: People,
    pids: list[int],
    ports: list[int],
    conns: int,
) -> dict[str, Any]:
    """Far more than the server can send, with some clients that stopped reading."""
    slow = 20
    room = f"/ws/meetings/{people.room}"
    await workers.call(
        1,
        "connect",
        group="slow",
        targets=_targets(people.receivers[:slow], ports, room),
        rcvbuf=4096,
    )
    other = f"/ws/meetings/{people.other_room}"
    await workers.call(1, "connect", group="probe", targets=_targets(people.probes, ports, other))
    await workers.call(1, "pause", group="slow")
    await workers.call(1, "probe_start", group="probe", seconds=args.seconds)
    pad = 500
    r = await run_rate(workers, pids, conns, args.overload, args.seconds, pad=pad, drain=30)
    probe = await workers.call(1, "probe_result")
    await workers.call(1, "pause", group="slow", resume=True)
    await asyncio.sleep(1.5)
    opened = await workers.all("stop")
    slow_open = opened[1]["open"].get("slow", 0)
    fast_open = sum(o["open"].get("receivers", 0) + o["open"].get("senders", 0) for o in opened)
    app, proto = probe["app_rtt"], probe["proto_rtt"]
    return {
        **r,
        "pad": pad,
        "slow": slow,
        "slow_dropped": slow - slow_open,
        "fast_dropped": conns - fast_open,
        "app": (pct(app, 0.5), pct(app, 0.99), pct(app, 1.0)),
        "proto": (pct(proto, 0.5), pct(proto, 0.99), pct(proto, 1.0)),
        "probes": len(people.probes),
        "probes_alive": probe["alive"],
    }


async def main(args: argparse.Namespace) -> None:
    """Every run, then the table."""
    # A server holds every client's socket (each worker half of them), plus its own files.
    raise_nofile(args.clients + args.idle + args.senders + 1024)
    args.tmp = Path(tempfile.mkdtemp(prefix="ws-fanout-"))
    redis = Redis().start()
    assert redis.proc is not None
    args.redis_pid = redis.proc.pid
    args.redis_url = redis.url()
    workers = Workers(2)
    people: People | None = None
    try:
        t0 = time.monotonic()
        people = await prepare_people(args.tmp, args.clients + args.idle, args.senders, probes=4)
        signed = args.clients + args.idle + args.senders + 4
        print(f"signed in {signed} users in {time.monotonic() - t0:.1f} s", flush=True)
        base = await bench_baseline(args, workers, people)
        print("baseline done", flush=True)
        one = await bench_hub(args, workers, people, 1, None)
        print("hub, 1 process done", flush=True)
        if args.only_memory:
            show_memory(one["mem"], base["mem"], args.idle // 2)
            return
        two = await bench_hub(args, workers, people, 2, redis.url())
        four = await bench_hub(args, workers, people, 4, redis.url())
        print(
            f"\n{args.clients} clients + {args.senders} senders in one meeting, "
            f"{args.seconds:.0f} s per run, 2 client worker processes ({client_loop()})\n",
            flush=True,
        )
        print(HEADER)
        for i in range(len(args.rates)):
            show("baseline (bare aiohttp)", base["runs"][i], None)
            show("hub, 1 process", one["runs"][i], base["runs"][i])
            show("hub, 2 processes + Redis", two["runs"][i], base["runs"][i])
            show("hub, 4 processes + Redis", four["runs"][i], base["runs"][i])
        print()
        for i, rate in enumerate(args.rates):
            cpu1 = one["runs"][i]["cpu_us"]
            print(
                f"{rate / 1000:.0f}k/s: CPU per delivery against 1 process: 2 processes "
                f"{two['runs'][i]['cpu_us'] / cpu1:.2f}x, 4 processes "
                f"{four['runs'][i]['cpu_us'] / cpu1:.2f}x"
            )
            for label, r in (("2 processes", two["runs"][i]), ("4 processes", four["runs"][i])):
                print(
                    f"  Redis, {label}: {r['redis_cmd_us']:.1f} µs inside commands per chat "
                    f"message ({r['redis_us']:.0f} µs of the redis-server process's CPU, idle "
                    f"work included); commands per message: {redis_line(r)}"
                )
        show_memory(one["mem"], base["mem"], args.idle // 2)
        over = one["overload"]
        print(
            f"overload (hub, 1 process, {over['target'] / 1000:.0f}k deliveries/s asked, "
            f"{over['pad']}-byte padding): {over['rate'] / 1000:.1f}k/s delivered, "
            f"p99 {over['p99']:.0f} ms; paused clients dropped "
            f"{over['slow_dropped']}/{over['slow']}, others dropped {over['fast_dropped']}; "
            f"delivered to the others: {over['received']}/{over['expected']}"
        )
        print(
            f"  other meeting meanwhile: app ping p50/p99/max "
            f"{over['app'][0]:.1f}/{over['app'][1]:.1f}/{over['app'][2]:.1f} ms, protocol ping "
            f"{over['proto'][0]:.1f}/{over['proto'][1]:.1f}/{over['proto'][2]:.1f} ms, "
            f"{over['probes_alive']}/{over['probes']} probes still connected"
        )
    finally:
        workers.close()
        if people is not None:
            await people.sim.close()
        redis.destroy()
        shutil.rmtree(args.tmp, ignore_errors=True)


def show_memory(hub: dict[str, float], base: dict[str, float], batch: int) -> None:
    """Idle memory per connection, both ways, beside the baseline of the same run."""
    print(
        f"\nidle memory per connection ({batch} clients per batch): RSS growth "
        f"{hub['rss'] / 1024:.1f} KB against "
        f"{base['rss'] / 1024:.1f} KB bare ({hub['rss'] / base['rss']:.2f}x); still allocated "
        f"(tracemalloc) {hub['traced'] / 1024:.1f} KB against {base['traced'] / 1024:.1f} KB "
        f"bare ({hub['traced'] / base['traced']:.2f}x)"
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument(
        "--idle",
        type=int,
        default=6000,
        help="more clients, for idle memory (half RSS, half traced)",
    )
    p.add_argument("--senders", type=int, default=40)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--rates", default="50000,100000", help="deliveries/s, comma separated")
    p.add_argument("--overload", type=float, default=300_000, help="deliveries/s asked")
    p.add_argument(
        "--only-memory", action="store_true", help="idle memory per connection only (1 process)"
    )
    args = p.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",")]
    return args


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    asyncio.run(main(parse()))
