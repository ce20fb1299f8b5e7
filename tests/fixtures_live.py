"""Fixtures for the live-mirror tests: a simulator over real HTTP and a hub pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.clock import Clock
from hub.keys import DB, LIVE
from hub.live.sync import LiveSync
from hub.settings import Settings
from hub.simulator import RunningSimulator, SimConfig, start_simulator
from hub.storage import Database
from tests.conftest import ADMIN_TOKEN, AppClient

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Sim:
    """A running simulator and a client for its /_sim/ hooks."""

    def __init__(self, running: RunningSimulator, session: aiohttp.ClientSession) -> None:
        self.running = running
        self.url = running.url
        self.session = session

    async def post(self, path: str, body: Any) -> Any:
        """POST a hook and return its JSON; fails the test on an error status."""
        async with self.session.post(self.url + path, json=body) as resp:
            assert resp.status < 300, await resp.text()
            return await resp.json()

    async def state(self) -> dict[str, Any]:
        """GET /_sim/state."""
        async with self.session.get(self.url + "/_sim/state") as resp:
            result: dict[str, Any] = await resp.json()
            return result

    async def generate(self, count: int, seed: int = 1) -> None:
        """Replace the rooms with `count` generated ones."""
        await self.post("/_sim/rooms/generate", {"count": count, "seed": seed, "replace": True})

    async def rooms(self, rooms: list[dict[str, Any]], replace: bool = True) -> None:
        """Replace (or add/update) rooms."""
        await self.post("/_sim/rooms", {"rooms": rooms, "replace": replace})

    async def fault(self, endpoint: str, **fault: Any) -> None:
        """Queue a fault for an endpoint."""
        await self.post("/_sim/faults", {endpoint: fault})

    async def now(self) -> float:
        """The simulator's clock."""
        return float((await self.state())["now"])

    async def list_calls(self) -> int:
        """getliveinfo calls in list mode so far."""
        return int((await self.state())["getliveinfo_calls"])

    async def replay_calls(self) -> int:
        """getliveinfo calls in replay mode so far."""
        return int((await self.state())["replay_calls"])


async def open_sim(config: SimConfig | None = None) -> tuple[Sim, Callable[[], Any]]:
    """Start a simulator; returns it and an async closer."""
    running = await start_simulator(config or SimConfig(rooms=0, seed=1))
    session = aiohttp.ClientSession()
    sim = Sim(running, session)

    async def close() -> None:
        await session.close()
        await running.close()

    return sim, close


@pytest.fixture(name="sim")
async def sim_fixture() -> AsyncIterator[Sim]:
    """A simulator with no rooms and default knobs."""
    s, close = await open_sim()
    yield s
    await close()


def sim_settings(make_settings: Callable[..., Settings], sim: Sim, **overrides: Any) -> Settings:
    """Test settings with the mini-program and WeCom clients pointed at the simulator."""
    return make_settings(**{**SimConfig().hub_settings(sim.url), **overrides})


@dataclass
class Hub:
    """A running hub (test client) with handles on what the tests inspect."""

    client: TestClient[web.Request, web.Application]
    clock: Clock

    @property
    def app(self) -> web.Application:
        """The hub application."""
        app: web.Application = self.client.app
        return app

    @property
    def live(self) -> LiveSync:
        """The sync engine."""
        return self.app[LIVE]

    @property
    def db(self) -> Database:
        """The hub's database."""
        return self.app[DB]

    async def rooms(self) -> list[tuple[Any, ...]]:
        """(roomid, name, live_status, goods) of every mirrored room, by roomid."""
        rows = await self.db.fetchall(
            "SELECT roomid, name, live_status, goods FROM live_room ORDER BY roomid"
        )
        return [(int(r["roomid"]), r["name"], int(r["live_status"]), r["goods"]) for r in rows]

    async def advance(self, sim: Sim, seconds: float) -> None:
        """Move hub's clock and the simulator's clock forward together."""
        self.clock.advance(seconds)
        await sim.post("/_sim/clock", {"advance": seconds})


MakeHub = Callable[..., Any]


async def start_hub(hub_client: AppClient, settings: Settings, clock: Clock | None = None) -> Hub:
    """Start a hub with these settings and its own clock."""
    clock = clock or Clock()
    return Hub(await hub_client(settings, clock), clock)


@pytest.fixture(name="hub_factory")
def hub_factory_fixture(
    hub_client: AppClient, make_settings: Callable[..., Settings], sim: Sim
) -> MakeHub:
    """Start a hub pointed at `sim`, with its own clock; pass `database_url` and the rest."""

    async def make(**overrides: Any) -> Hub:
        return await start_hub(hub_client, sim_settings(make_settings, sim, **overrides))

    return make


@pytest.fixture(name="make_hub")
def make_hub_fixture(
    hub_client: AppClient, make_settings: Callable[..., Settings], sim: Sim, db_url: str
) -> MakeHub:
    """Start a hub on the current storage backend (SQLite, then MariaDB), pointed at `sim`."""

    async def make(**overrides: Any) -> Hub:
        overrides.setdefault("database_url", db_url)
        return await start_hub(hub_client, sim_settings(make_settings, sim, **overrides))

    return make
