"""A rolling upgrade across a schema migration loses nothing and refuses nothing (issue 14).

Two copies of the code stand for two releases: "old" is this checkout, "new" is the same plus
one additive migration (a nullable column with an index on chat_message, a defaulted column
on ballot, a new table). Three old processes serve a meeting on MariaDB and Redis while
attendees chat on websockets and vote over HTTP without pause. A new process starts and
applies the migration under that load; then each old process is taken out of rotation,
stopped with SIGTERM and replaced by a new one, as docs/deploy.md says. An old process also
starts on the migrated schema (a rollback must work). Every write answered must be stored
exactly once, and no request may be refused.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.storage import open_database
from tests.cluster import ROOT, Cluster, Proc
from tests.fixtures_ops import login
from tests.servers import Redis, free_port

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]

PROBE_VERSION = 9000  # past any real migration, so it is always the newest
PROBE_SQL = """
-- An expand-only change: every statement leaves the old code's queries valid.
ALTER TABLE chat_message ADD COLUMN upgrade_note VARCHAR(40) NULL;
CREATE INDEX idx_chat_message_upgrade_note ON chat_message (upgrade_note);
ALTER TABLE ballot ADD COLUMN upgrade_weight INTEGER NOT NULL DEFAULT 1;
CREATE TABLE upgrade_probe (
    id INTEGER NOT NULL PRIMARY KEY,
    note VARCHAR(40) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
"""
CHATTERS = ["zhao", "qian", "sun", "li"]
ACK_WAIT = 5.0  # seconds a chatter waits for its own message before resending it
VOTERS = ["zhou", "wu", "zheng", "wang"]


def release(where: Path, *, probe: bool) -> Path:
    """A copy of this checkout's code (the release), with the probe migration when `probe`."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("hub", "static", "templates"):
        shutil.copytree(ROOT / part, where / part, ignore=skip)
    shutil.copy(ROOT / "run.py", where / "run.py")
    if probe:
        (where / "hub/storage/migrations/mysql" / f"{PROBE_VERSION}_upgrade_probe.sql").write_text(
            PROBE_SQL
        )
    return where


@dataclass
class Rotation:
    """The load balancer's view: processes that take new requests, round robin."""

    procs: list[Proc] = field(default_factory=list)
    turn: itertools.count[int] = field(default_factory=itertools.count)

    def pick(self) -> Proc:
        return self.procs[next(self.turn) % len(self.procs)]


@dataclass
class Tally:
    """What the clients were told and what went wrong."""

    acked: dict[str, int] = field(default_factory=dict)  # chat client_id -> seq
    votes: dict[int, set[str]] = field(default_factory=dict)  # poll id -> voters answered 200
    refused: list[str] = field(default_factory=list)  # any answer that is not a success
    closes: list[str] = field(default_factory=list)  # sockets closed under a client, and how
    late: list[str] = field(default_factory=list)  # acks not seen in ACK_WAIT: resent


async def chatter(
    browser: aiohttp.ClientSession,
    name: str,
    number: str,
    origin: str,
    rotation: Rotation,
    tally: Tally,
    stop: asyncio.Event,
) -> None:
    """Send numbered messages, one at a time; resend (same client_id) on another process."""
    ws: aiohttp.ClientWebSocketResponse | None = None
    proc: Proc | None = None
    last_seq = 0
    for n in itertools.count():
        if stop.is_set():
            break
        client_id = f"{name}-{n}"
        while client_id not in tally.acked:
            if ws is None or ws.closed:
                proc = rotation.pick()
                ws = await browser.ws_connect(
                    f"{proc.url.replace('http', 'ws', 1)}/ws/meetings/{number}?after={last_seq}",
                    headers={"Origin": origin},
                )
            assert proc is not None
            try:
                await ws.send_json({"type": "chat", "text": f"{name} {n}", "client_id": client_id})
                async with asyncio.timeout(ACK_WAIT):
                    last_seq = await read_until_acked(ws, proc, client_id, tally, last_seq)
            except TimeoutError:
                # What the page does too: resend the same client_id on a fresh socket (hub
                # answers a resend with the stored seq).
                tally.late.append(f"{client_id} on {proc.name}")
            except (aiohttp.ClientError, ConnectionError) as exc:
                tally.closes.append(f"{proc.name}: {type(exc).__name__}")
            if client_id not in tally.acked:
                await ws.close()
                ws = None
        await asyncio.sleep(0.2)  # about 5 a second: under the per-user chat limit
    if ws is not None:
        await ws.close()


async def read_until_acked(
    ws: aiohttp.ClientWebSocketResponse, proc: Proc, client_id: str, tally: Tally, last_seq: int
) -> int:
    """Read frames until `client_id` comes back as a chat frame or the socket closes."""
    while True:
        msg = await ws.receive()
        if msg.type is not aiohttp.WSMsgType.TEXT:
            # A graceful stop closes with 1001: the client resends on another process.
            tally.closes.append(f"{proc.name}: close {ws.close_code}")
            return last_seq
        frame = json.loads(msg.data)
        if frame["type"] == "chat":
            last_seq = max(last_seq, frame["seq"])
            if frame["client_id"] == client_id:
                tally.acked[client_id] = frame["seq"]
                return last_seq
        elif frame["type"] == "error":
            tally.refused.append(f"chat {client_id}: {frame}")


async def post(
    browser: aiohttp.ClientSession, rotation: Rotation, path: str, body: Any, origin: str
) -> tuple[int, Any]:
    """One JSON POST to a process in rotation."""
    proc = rotation.pick()
    async with browser.post(proc.url + path, json=body, headers={"Origin": origin}) as resp:
        return resp.status, await resp.json()


async def organizer_polls(
    organizer: aiohttp.ClientSession,
    number: str,
    origin: str,
    rotation: Rotation,
    polls: list[tuple[int, list[int]]],
    tally: Tally,
    stop: asyncio.Event,
) -> None:
    """A new poll every half second while the upgrade runs."""
    for n in itertools.count():
        if stop.is_set():
            return
        body = {"question": f"Q{n}", "options": ["yes", "no"]}
        status, answer = await post(
            organizer, rotation, f"/api/meetings/{number}/polls", body, origin
        )
        if status != 201:
            tally.refused.append(f"poll {n}: {status} {answer}")
        else:
            polls.append((answer["id"], [o["id"] for o in answer["options"]]))
        await asyncio.sleep(0.5)


async def voter(
    browser: aiohttp.ClientSession,
    name: str,
    origin: str,
    rotation: Rotation,
    polls: list[tuple[int, list[int]]],
    tally: Tally,
    stop: asyncio.Event,
) -> None:
    """Vote once on every poll as it appears."""
    done = 0
    while not (stop.is_set() and done == len(polls)):
        if done == len(polls):
            await asyncio.sleep(0.05)
            continue
        poll_id, options = polls[done]
        status, answer = await post(
            browser, rotation, f"/api/polls/{poll_id}/vote", {"option_ids": [options[0]]}, origin
        )
        if status == 200:
            tally.votes.setdefault(poll_id, set()).add(name)
        else:
            tally.refused.append(f"vote {name} on {poll_id}: {status} {answer}")
        done += 1


async def in_thread(call: Callable[[], Any]) -> Any:
    """A blocking cluster step (start, wait, stop) without stalling the clients."""
    return await asyncio.to_thread(call)


async def test_rolling_upgrade_across_an_additive_migration_loses_nothing(
    tmp_path: Path, mysql_url: str, redis_server: Redis
) -> None:
    old = release(tmp_path / "old", probe=False)
    new = release(tmp_path / "new", probe=True)
    cluster = Cluster(tmp_path / "cluster", mysql_url, redis_server.url(), size=0)
    cluster.root.mkdir(parents=True)

    def start(code: Path) -> Proc:
        """One more process running the release in `code`, ready to serve."""
        index, port = len(cluster.hubs), free_port()
        proc = Proc(f"hub{index}-{code.name}", port, cluster.root / f"hub{index}.log")
        cluster.hubs.append(proc)
        proc.spawn([sys.executable, str(code / "run.py"), "serve"], cluster.hub_env(index, port))
        proc.wait_ready("/readyz")
        return proc

    browsers: list[aiohttp.ClientSession] = []
    try:
        cluster.start_sim()
        olds = [start(old) for _ in range(3)]
        assert await applied_versions(mysql_url) and PROBE_VERSION not in await applied_versions(
            mysql_url
        )
        origin = cluster.urls[0]  # HUB_PUBLIC_URL of every process
        for name in ["organizer", *CHATTERS, *VOTERS]:
            browsers.append(await login(cluster, name))
        organizer, people = browsers[0], browsers[1:]
        status, meeting = await post(
            organizer, Rotation(olds), "/api/meetings", {"title": "升级"}, origin
        )
        assert status == 201, meeting
        number = meeting["number"]
        for browser in people:
            status, answer = await post(
                browser, Rotation(olds), f"/api/meetings/{number}/join", None, origin
            )
            assert status == 200, answer

        rotation, tally, stop = Rotation(list(olds)), Tally(), asyncio.Event()
        polls: list[tuple[int, list[int]]] = []
        clients: list[Awaitable[None]] = [
            organizer_polls(organizer, number, origin, rotation, polls, tally, stop)
        ]
        clients += [
            chatter(b, n, number, origin, rotation, tally, stop)
            for b, n in zip(people[: len(CHATTERS)], CHATTERS, strict=True)
        ]
        clients += [
            voter(b, n, origin, rotation, polls, tally, stop)
            for b, n in zip(people[len(CHATTERS) :], VOTERS, strict=True)
        ]
        traffic = asyncio.gather(*clients)

        async def upgrade() -> None:
            await asyncio.sleep(2)
            # The first new process applies the migration at start-up, under load.
            rotation.procs.append(await in_thread(lambda: start(new)))
            assert PROBE_VERSION in await applied_versions(mysql_url)
            await asyncio.sleep(1)
            # Each old process: out of rotation, drained, stopped gracefully, replaced.
            for proc in olds:
                rotation.procs.remove(proc)
                await asyncio.sleep(0.5)
                assert await in_thread(proc.stop) == 0, proc.tail()
                rotation.procs.append(await in_thread(lambda: start(new)))
                await asyncio.sleep(1)
            # A rollback runs old code on the new schema: it must start and serve.
            back = await in_thread(lambda: start(old))
            rotation.procs.append(back)
            await asyncio.sleep(2)
            rotation.procs.remove(back)
            await asyncio.sleep(0.5)
            assert await in_thread(back.stop) == 0, back.tail()
            await asyncio.sleep(1)
            stop.set()

        await asyncio.wait_for(asyncio.gather(upgrade(), traffic), timeout=240)
    except BaseException:
        print(cluster.logs(), file=sys.stderr)
        raise
    finally:
        for browser in browsers:
            await browser.close()
        cluster.close()

    assert tally.refused == []
    print(f"acked {len(tally.acked)}, closes {tally.closes}, resent late: {tally.late}")
    assert tally.closes  # the stops did close sockets: the clients moved on
    stored = await stored_writes(mysql_url, number)
    # Every acknowledged message stored exactly once, under the seq it was acknowledged with.
    assert stored["chat"] == {cid: seq for cid, seq in tally.acked.items()}
    assert sorted(stored["chat"].values()) == list(range(1, len(tally.acked) + 1))
    assert len(tally.acked) >= 4 * len(CHATTERS)
    # Every vote answered 200 is a ballot, and there is no other.
    assert stored["ballots"] == {p: voters for p, voters in tally.votes.items() if voters}
    assert sum(len(v) for v in tally.votes.values()) >= 4 * len(VOTERS)


async def applied_versions(database_url: str) -> set[int]:
    """The migrations recorded in the database."""
    db = await open_database(database_url)
    try:
        rows = await db.fetchall("SELECT version FROM schema_migrations")
        return {int(r["version"]) for r in rows}
    finally:
        await db.close()


async def stored_writes(database_url: str, number: str) -> dict[str, Any]:
    """The meeting's chat (client_id -> seq) and ballots (poll -> userids) as stored."""
    db = await open_database(database_url)
    try:
        meeting_id = await db.fetchval("SELECT id FROM meeting WHERE number = ?", (number,))
        chat = await db.fetchall(
            "SELECT client_id, seq FROM chat_message WHERE meeting_id = ?", (meeting_id,)
        )
        ballots = await db.fetchall(
            "SELECT b.poll_id, u.userid FROM ballot b JOIN app_user u ON u.id = b.user_id"
            " JOIN poll p ON p.id = b.poll_id WHERE p.meeting_id = ?",
            (meeting_id,),
        )
    finally:
        await db.close()
    by_poll: dict[int, set[str]] = {}
    for row in ballots:
        by_poll.setdefault(int(row["poll_id"]), set()).add(str(row["userid"]))
    client_ids = [str(r["client_id"]) for r in chat]
    assert len(client_ids) == len(set(client_ids)), "a message was stored twice"
    return {"chat": {str(r["client_id"]): int(r["seq"]) for r in chat}, "ballots": by_poll}
