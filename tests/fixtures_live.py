"""Fixtures for the live-mirror tests: a hub pointed at the `sim` simulator, with its own clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.clock import Clock
from hub.keys import DB
from hub.live.sync import LIVE, LiveSync
from hub.settings import Settings
from hub.simulator import SimConfig
from hub.storage import Database
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.fixtures_sim import Sim

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


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


MakeHub = Callable[..., Awaitable[Hub]]


async def start_hub(hub_client: AppClient, settings: Settings, clock: Clock | None = None) -> Hub:
    """Start a hub with these settings and its own clock."""
    clock = clock or Clock()
    return Hub(await hub_client(settings, clock), clock)


@pytest.fixture
def hub_factory(hub_client: AppClient, make_settings: Callable[..., Settings], sim: Sim) -> MakeHub:
    """Start a hub pointed at `sim`, with its own clock; pass `database_url` and the rest."""

    async def make(**overrides: Any) -> Hub:
        return await start_hub(hub_client, sim_settings(make_settings, sim, **overrides))

    return make


@pytest.fixture
def make_hub(
    hub_client: AppClient, make_settings: Callable[..., Settings], sim: Sim, db_url: str
) -> MakeHub:
    """Start a hub on the current storage backend (SQLite, then MariaDB), pointed at `sim`."""

    async def make(**overrides: Any) -> Hub:
        overrides.setdefault("database_url", db_url)
        return await start_hub(hub_client, sim_settings(make_settings, sim, **overrides))

    return make
