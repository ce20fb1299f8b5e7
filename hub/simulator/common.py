"""Helpers shared by the simulator's handlers: origin, JSON bodies and fault injection."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .errors import error_response
from .faults import apply_fault
from .state import SIM_STATE, SimState


def sim_state(request: web.Request) -> SimState:
    """Return the state of the simulator serving request."""
    return request.app[SIM_STATE]


def origin(request: web.Request) -> str:
    """Return scheme://host of request, the base of every URL the simulator hands out."""
    return f"{request.scheme}://{request.host}"


async def read_json(request: web.Request) -> Any:
    """Return the parsed JSON body, or None when it is missing or malformed."""
    try:
        text = await request.text()
        return json.loads(text) if text else None
    except (ValueError, UnicodeDecodeError):
        return None


async def injected(
    request: web.Request, endpoint: str, *, wecom: bool = False
) -> web.StreamResponse | None:
    """Apply the next queued fault of endpoint; return the answer to send instead, if any."""
    state = sim_state(request)
    fault = state.faults.take(endpoint)
    if fault is None:
        return None
    response = await apply_fault(request, fault)
    if response is None and fault.errcode is not None:
        response = error_response(state, fault.errcode, wecom=wecom)
    return response


def sim_error(status: int, message: str) -> web.Response:
    """Return a /_sim hook error as JSON with a 4xx status."""
    return web.json_response({"error": {"code": "bad_request", "message": message}}, status=status)
