"""Periodic background work that lives in a cleanup context, survives errors and stops promptly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[float | None]]


@asynccontextmanager
async def periodic(name: str, step: Step, interval: float) -> AsyncIterator[None]:
    """Run `step` now and then every `interval` seconds (or after the delay it returns).

    A step that raises is logged and tried again next round. On exit the loop is ended by a
    flag as well as by cancellation: Python 3.11's `wait_for`, used inside some libraries,
    can swallow a cancellation that races with a result, and the flag still stops the loop.
    """
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            delay = interval
            try:
                wanted = await step()
                if wanted is not None:
                    delay = wanted
            except Exception:
                log.exception("%s failed; trying again in %.1f s", name, delay)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
