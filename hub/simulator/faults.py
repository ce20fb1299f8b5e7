"""Injected faults: per-endpoint queues of errcode, HTTP status, delay and dropped connections."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

ENDPOINTS = frozenset(
    {
        "token",
        "stable_token",
        "getliveinfo",
        "replay",
        "gettoken",
        "getuserinfo",
        "jscode2session",
        "oauth2_access_token",
        "userinfo",
        "getuserdetail",
        "user_get",
    }
)


class FaultSpecError(ValueError):
    """A /_sim/faults body that cannot be understood."""


@dataclass
class Fault:
    """One queued fault: skip `skip` matching calls, then spoil the next `times`."""

    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0
    drop: bool = False
    times: int = 1
    skip: int = 0


def _int(spec: dict[str, Any], key: str, default: int, low: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise FaultSpecError(f"{key} must be an integer >= {low}")
    return value


def parse_fault(spec: Any) -> Fault:
    """Validate one fault description from a /_sim/faults body."""
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault must be an object")
    unknown = set(spec) - {"errcode", "status", "delay", "drop", "times", "skip"}
    if unknown:
        raise FaultSpecError(f"unknown fault keys: {sorted(unknown)}")
    fault = Fault(times=_int(spec, "times", 1, 1), skip=_int(spec, "skip", 0, 0))
    if "errcode" in spec:
        errcode = spec["errcode"]
        if isinstance(errcode, bool) or not isinstance(errcode, int) or errcode == 0:
            raise FaultSpecError("errcode must be a non-zero integer")
        fault.errcode = errcode
    if "status" in spec:
        fault.status = _int(spec, "status", 500, 100)
        if fault.status > 599:
            raise FaultSpecError("status must be an HTTP status")
    if "delay" in spec:
        delay = spec["delay"]
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 600:
            raise FaultSpecError("delay must be a number of seconds in [0, 600]")
        if not math.isfinite(delay):
            raise FaultSpecError("delay must be finite")
        fault.delay = float(delay)
    if "drop" in spec:
        if not isinstance(spec["drop"], bool):
            raise FaultSpecError("drop must be true or false")
        fault.drop = spec["drop"]
    if fault.errcode is None and fault.status is None and not fault.delay and not fault.drop:
        raise FaultSpecError("a fault needs errcode, status, delay or drop")
    return fault


def parse_faults(body: Any) -> dict[str, list[Fault]]:
    """Validate a whole /_sim/faults body: {endpoint: fault or [faults]}."""
    if not isinstance(body, dict) or not body:
        raise FaultSpecError("body must be an object keyed by endpoint")
    parsed: dict[str, list[Fault]] = {}
    for key, value in body.items():
        if key not in ENDPOINTS:
            raise FaultSpecError(f"unknown endpoint {key!r}; one of {sorted(ENDPOINTS)}")
        specs = value if isinstance(value, list) else [value]
        parsed[key] = [parse_fault(spec) for spec in specs]
    return parsed


class FaultQueues:
    """Faults waiting per endpoint; the head of each queue applies first."""

    def __init__(self) -> None:
        self.queues: dict[str, deque[Fault]] = {}

    def add(self, faults: dict[str, list[Fault]]) -> None:
        """Append faults after those already queued for each endpoint."""
        for key, items in faults.items():
            self.queues.setdefault(key, deque()).extend(items)

    def clear(self) -> None:
        """Forget every queued fault."""
        self.queues.clear()

    def take(self, endpoint: str) -> Fault | None:
        """Consume one call of endpoint; return the fault that spoils it, if any."""
        queue = self.queues.get(endpoint)
        if not queue:
            return None
        head = queue[0]
        if head.skip > 0:
            head.skip -= 1
            return None
        head.times -= 1
        if head.times <= 0:
            queue.popleft()
        return head

    def pending(self) -> dict[str, int]:
        """Return how many faulted calls remain per endpoint."""
        return {k: sum(f.times for f in q) for k, q in self.queues.items() if q}


async def apply_fault(request: web.Request, fault: Fault) -> web.StreamResponse | None:
    """Carry out fault; return a response to send instead of the real one, or None to go on."""
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.drop:
        if request.transport is not None:
            request.transport.close()
        # aiohttp fails quietly when it writes this to the closed transport: the client gets
        # a disconnect and no HTTP response at all.
        return web.Response(status=503)
    if fault.status is not None:
        return web.Response(status=fault.status, text=f"{fault.status} simulated failure\n")
    return None
