"""Periodic background work: survives a failing step, honours returned delays, always stops."""

from __future__ import annotations

import asyncio

from hub.background import periodic


async def test_a_failing_step_is_retried_and_the_loop_stops_on_exit() -> None:
    calls = 0
    thrice = asyncio.Event()

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls >= 3:
            thrice.set()
        raise RuntimeError("flaky")

    async with periodic("flaky", step, 0.01):
        await asyncio.wait_for(thrice.wait(), 5)
    seen = calls
    await asyncio.sleep(0.05)
    assert calls == seen >= 3


async def test_the_returned_delay_replaces_the_interval() -> None:
    calls = 0

    async def step() -> float:
        nonlocal calls
        calls += 1
        return 3600.0

    async with periodic("slow", step, 0.001):
        await asyncio.sleep(0.1)
    assert calls == 1


async def test_a_step_that_swallows_its_cancellation_still_stops() -> None:
    entered = asyncio.Event()
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            swallowed += 1  # what a library racing in wait_for can do

    async with asyncio.timeout(5):
        async with periodic("stubborn", stubborn, 3600):
            await entered.wait()
    assert swallowed == 1
