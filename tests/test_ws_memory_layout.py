"""Meeting websockets opened by the hundred carry no per-instance dict, even after a later field,
and live in aiohttp's write_eof with no middleware or handler frame suspended.

CPython 3.11 keeps an object's attributes inline, in a values array shared-key with its class,
with no dict of its own, only while the class's shared key table can still take new names (at
most 30), and every new instance spends one of that allowance. When hundreds of sockets open at
once before the first has set its later fields (the upgrade's writer and reader, the first read's
waiter, the heartbeat's handles at 25 s), each one setting a name the table has not seen gets a
dict of its own, about 830 bytes a socket. hub/web/ws_socket.py's `MeetingSocket` keeps the
fields set in `__init__` in slots and sets every later field once on a throwaway instance at
import, so the table already holds every name. `gc.get_referents` shows the layout without
changing it: inline attributes appear as their values, a materialized dict as the dict itself
(reading `__dict__` or `vars()` would create the very dict this looks for).
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiohttp import web

from hub.realtime.rooms import REALTIME
from hub.simulator import RunningSimulator
from hub.web.ws_socket import MeetingSocket
from tests.fixtures_realtime import make_meeting, make_user
from tests.helpers_auth import sim_settings
from tests.ws_crowd import allow_open_files, join_crowd, open_crowd, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.redis]

SOCKETS = 300
# aiohttp's own instance fields: those a bare websocket response keeps in its dict, and those an
# open socket sets later in its life. A dict holding any of them is the socket's own dict.
LATER_FIELDS = frozenset(
    {
        "_loop",
        "_req",
        "_payload_writer",
        "_keep_alive",
        "_must_be_empty_body",
        "_ws_protocol",
        "_writer",
        "_reader",
        "_parser",
        "_waiting",
        "_heartbeat_cb",
        "_heartbeat_when",
        "_heartbeat_reset_handle",
        "_need_heartbeat_reset",
        "_pong_response_cb",
        "_ping_task",
    }
)
AIOHTTP_FIELDS = frozenset(vars(web.WebSocketResponse())) | LATER_FIELDS


# aiohttp's StreamWriter fields, set in __init__ or at the first write.
WRITER_FIELDS = frozenset({"_protocol", "loop", "_headers_buf", "buffer_size", "output_size"})


def instance_dict(obj: object, fields: frozenset[str] = AIOHTTP_FIELDS) -> dict[str, Any] | None:
    """The object's own attribute dict when it has one, found without creating one."""
    for referent in gc.get_referents(obj):
        if isinstance(referent, dict) and fields.intersection(referent):
            return referent
    return None


def awaited(task: asyncio.Task[Any]) -> list[str]:
    """The names of the coroutines a task is suspended in, outermost first."""
    names: list[str] = []
    coro: Any = task.get_coro()
    while coro is not None and hasattr(coro, "cr_code"):
        names.append(coro.cr_code.co_name)
        coro = coro.cr_await
    return names


def test_the_check_sees_a_dict_when_there_is_one() -> None:
    """A socket whose dict was materialized is caught: the check below can fail."""
    ws = MeetingSocket()
    assert instance_dict(ws) is None
    assert "_status" in AIOHTTP_FIELDS and "_status" not in vars(ws)  # vars() creates the dict
    assert instance_dict(ws) is not None
    bare = web.WebSocketResponse()
    assert "_status" in vars(bare)
    assert instance_dict(bare) is not None


async def test_hundreds_of_concurrent_meeting_sockets_carry_no_dict(
    sim: RunningSimulator, make_settings: Any, hub_client: Any, redis_url: str
) -> None:
    allow_open_files(2 * SOCKETS + 1000)
    client = await hub_client(sim_settings(make_settings, sim.url, redis_url=redis_url))
    app = client.app
    meeting = await make_meeting(app, await make_user(app, "zhangsan"))
    people = await join_crowd(app, meeting, SOCKETS)
    # All at once: every socket exists before the first has set its later fields.
    socks = await open_crowd(app, client.port, meeting, people, SOCKETS)
    try:
        # The hello and the first presence frame out, every handler is in its read loop.
        await wait_until(lambda: all(s.presence for s in socks), 30, "a socket got no presence")
        server_side = [c.ws for c in app[REALTIME].clients(meeting.id)]
        assert len(server_side) == SOCKETS
        assert all(type(ws) is MeetingSocket for ws in server_side)
        with_dict = [ws for ws in server_side if instance_dict(ws) is not None]
        assert not with_dict, f"{len(with_dict)} of {SOCKETS} sockets have a dict of their own"
        # The 101's writer, which aiohttp keeps for the socket's life, has none either.
        writers = [ws._payload_writer for ws in server_side]
        with_dict = [w for w in writers if instance_dict(w, WRITER_FIELDS) is not None]
        assert not with_dict, f"{len(with_dict)} of {SOCKETS} writers have a dict of their own"
        # Each socket lives in aiohttp's write_eof: no middleware or handler frame is suspended,
        # and the request keeps no cached lookups or keys.
        chains = [awaited(t) for t in asyncio.all_tasks() if awaited(t)[:1] == ["_handle_request"]]
        assert len(chains) >= SOCKETS
        for chain in chains:
            assert chain[:3] == ["_handle_request", "finish_response", "_life"], chain
            assert not {"request_middleware", "ws_meeting", "_handle", "impl"} & set(chain), chain
        assert all(not ws._req._cache and not ws._req._state for ws in server_side)

        # What the heartbeat does at 25 s: the pong timer, then the ping task (None while none
        # is in flight, as here). Python keeps one spare name in the shared table, so a single
        # unseen name would still fit inline; the ping task's is the second.
        for ws in server_side:
            setattr(ws, "_pong_response_cb", None)  # noqa: B010 - a private field, as aiohttp sets it
        with_dict = [ws for ws in server_side if instance_dict(ws) is not None]
        assert not with_dict, f"{len(with_dict)} of {SOCKETS} sockets grew a dict at the pong timer"
        for ws in server_side:
            if ws._ping_task is None:
                setattr(ws, "_ping_task", None)  # noqa: B010
        with_dict = [ws for ws in server_side if instance_dict(ws) is not None]
        assert not with_dict, f"{len(with_dict)} of {SOCKETS} sockets grew a dict at the ping task"
    finally:
        for sock in socks:
            sock.abort()
