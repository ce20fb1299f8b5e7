"""The `sim` fixture: a WeChat + WeCom simulator on its own port, with a client for its hooks.

Every test that asks for `sim` gets a fresh simulator with no rooms (seed 1). A module that needs
other knobs marks itself, and the fixture reads the marker's keyword arguments as SimConfig fields:

    pytestmark = pytest.mark.sim(rooms=3)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from hub.simulator import RunningSimulator, SimConfig, start_simulator

DEFAULTS: dict[str, Any] = {"rooms": 0, "seed": 1}


@dataclass
class Sim(RunningSimulator):
    """A running simulator and a client session for its /_sim/ hooks."""

    session: aiohttp.ClientSession

    @property
    def running(self) -> RunningSimulator:
        """The simulator itself (a Sim is one; kept for the live tests' spelling)."""
        return self

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

    async def close(self) -> None:
        """Close the hook client, then stop the simulator."""
        await self.session.close()
        await super().close()


async def open_sim(config: SimConfig | None = None) -> Sim:
    """Start a simulator (no rooms, seed 1, unless `config` says otherwise); close() stops it."""
    running = await start_simulator(config or SimConfig(**DEFAULTS))
    return Sim(running.url, running.app, running.runner, aiohttp.ClientSession())


def pytest_configure(config: pytest.Config) -> None:
    """Register the `sim` marker (--strict-markers)."""
    config.addinivalue_line("markers", "sim(**knobs): SimConfig fields for this test's simulator")


@pytest.fixture
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[Sim]:
    """A simulator for this test: no rooms, seed 1, or the knobs of the closest `sim` marker."""
    marker = request.node.get_closest_marker("sim")
    knobs = {**DEFAULTS, **(marker.kwargs if marker else {})}
    running = await open_sim(SimConfig(**knobs))
    yield running
    await running.close()
