"""Bad input everywhere: every route and the websocket, as four kinds of caller. Never a 500.

The routes are read from the app's router, so a route added later is swept too. Hypothesis draws
the route, the caller (anonymous, signed in but not an attendee, the organizer, the admin token),
path parameters, query strings, headers (cookies included) and bodies; it runs in a worker thread
and sends each request on the test's event loop, so a failure shrinks to a small reproducible
request. No answer may be a 5xx and no request may log an ERROR line (issue 13, F6).

Each backend (SQLite, MariaDB) gets one app, shared by every route family; each family gets
HUB_FUZZ_EXAMPLES examples (default 2,000), derandomized so a run repeats exactly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import string
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.activities import KINDS
from hub.settings import Settings
from hub.simulator import RunningSimulator
from tests.conftest import ADMIN_TOKEN, AppClient
from tests.helpers_auth import login, new_browser, sim_settings

pytestmark = pytest.mark.slow

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
# Field names hub's handlers read: junk under a real name reaches deeper validation.
FIELDS = (
    "title", "question", "options", "multi", "hide_results", "option_ids", "winners",
    "exclude_previous_winners", "subject", "max", "score", "total_cents", "count", "url",
    "is_top", "name", "text", "client_id", "type", "next",
)  # fmt: skip
QUERY = (
    "page", "page_size", "status", "after", "limit", "kind", "next", "code", "state", "ticket",
    "roomId", "pageNum", "pageSize", "live_status", "userid",
)  # fmt: skip

# str.isdigit() is True for each of these; int() reads some and refuses others (F6).
UNICODE_DIGITS = ["²", "¹²", "①", "١٢", "١٢٣٤٥", "１２３４５", "৩", "12\n", " 7"]
EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "2000"))

# What a client can put in a header at all (aiohttp refuses control characters).
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "0", "-1", "1e309", "00001", "１２３４５", "\u0000", "𝔘𝔫𝔦"])
    | st.sampled_from(UNICODE_DIGITS)
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
shaped = st.dictionaries(st.sampled_from(FIELDS), junk, max_size=6)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=300),
    junk.map(lambda v: json.dumps(v).encode()),
    shaped.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"{", b"[1,2", b"NaN", b'{"a": Infinity}', b"\xff\xfe", b"null"]),
    # Lone surrogates (valid JSON, not encodable text) and nesting past Python's recursion.
    st.sampled_from(FIELDS).map(lambda f: f'{{"{f}": "x\\ud800"}}'.encode()),
    st.integers(1_000, 30_000).map(lambda n: b'{"title": ' + b"[" * n + b"]" * n + b"}"),
)
queries = st.dictionaries(
    st.sampled_from(QUERY),
    st.text(max_size=30) | st.integers(-(2**70), 2**70).map(str) | st.sampled_from(UNICODE_DIGITS),
    max_size=3,
)
# Cookies a sibling subdomain could plant: undecodable bytes, a second session, junk.
COOKIES = [
    "hub_session=\xff\xfe",
    "hub_session=gAAAAAnotatoken; hub_session=other",
    "__Host-hub_session=\xff",
    "lang=\xff\xfe",
    "hub_session=",
]


@dataclass
class World:
    """What the sweep can refer to: real numbers and ids, and one client per kind of caller."""

    number: str
    ids: list[int]
    callers: dict[str, aiohttp.ClientSession | TestClient[web.Request, web.Application]]
    origin: str
    errors: ErrorLines


def path_values(world: World) -> st.SearchStrategy[str]:
    """Values for a path parameter: real ones, near misses and junk."""
    return st.one_of(
        st.sampled_from([world.number, *map(str, world.ids)]),
        st.integers(-(2**70), 2**70).map(str),
        st.text(alphabet=string.digits, min_size=0, max_size=8),
        st.text(min_size=1, max_size=20),
        st.sampled_from(UNICODE_DIGITS),
    )


class ErrorLines(logging.Handler):
    """Counts ERROR (and worse) records of hub's loggers while a sweep runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}"[:300])


def fill(pattern: str, values: dict[str, str]) -> str:
    """The route pattern with each `{name}` replaced by its URL-quoted value."""
    path = pattern
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value, safe="") or "x")
    return path


def param_names(pattern: str) -> list[str]:
    """The `{name}`s of a route pattern."""
    return [part[1:-1] for part in pattern.split("/") if part.startswith("{")]


async def send(
    world: World, caller: str, method: str, path: str, query: dict[str, str], body: bytes | None,
    headers: dict[str, str], pattern: str = "",
) -> None:  # fmt: skip
    """One request; fails on a 5xx, a traceback in the answer or an ERROR log line."""
    client = world.callers[caller]
    url = path + (
        "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items()) if query else ""
    )
    logged = len(world.errors.lines)
    resp = await client.request(method, url, data=body, headers=headers, allow_redirects=False)
    text = await resp.read()
    assert resp.status < 500, (caller, method, url, (body or b"")[:200], resp.status, text[:300])
    new_errors = world.errors.lines[logged:]
    assert not new_errors, (caller, method, url, (body or b"")[:200], new_errors)
    assert b"Traceback" not in text, (caller, method, url, text[:500])
    assert b'File "' not in text, (caller, method, url, text[:500])


@pytest.fixture
async def world(
    sim: RunningSimulator,
    make_settings: Callable[..., Settings],
    hub_client: AppClient,
    db_url: str,
) -> AsyncIterator[World]:
    """A hub on this backend with a meeting and one of each activity, and the four callers."""
    settings = sim_settings(
        make_settings, sim.url, database_url=db_url, admin_users=frozenset({"zhangsan"})
    )
    organizer = await hub_client(settings)
    await login(organizer, sim.url, "zhangsan")
    origin = settings.public_url
    hdrs = {"Origin": origin}
    resp = await organizer.post("/api/meetings", json={"title": "fuzz"}, headers=hdrs)
    assert resp.status == 201, await resp.text()
    number = (await resp.json())["number"]
    ids: list[int] = []
    creates: list[tuple[str, dict[str, Any]]] = [
        ("polls", {"question": "q?", "options": ["a", "b"]}),
        ("lotteries", {"title": "l", "winners": 1}),
        ("ratings", {"subject": "s", "max": 5}),
        ("redpackets", {"total_cents": 100, "count": 3}),
    ]
    for kind, body in creates:
        resp = await organizer.post(f"/api/meetings/{number}/{kind}", json=body, headers=hdrs)
        assert resp.status == 201, (kind, await resp.text())
        ids.append(int((await resp.json())["id"]))
    outsider = new_browser(organizer)
    await login(outsider, sim.url, "lisi")
    anonymous = new_browser(organizer)
    admin = aiohttp.ClientSession(
        base_url=str(organizer.make_url("")), headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    callers: dict[str, Any] = {
        "organizer": organizer,
        "outsider": outsider,
        "anonymous": anonymous,
        "admin": admin,
    }
    errors = ErrorLines()
    logging.getLogger("hub").addHandler(errors)
    # Errors aiohttp logs itself (a handler that escaped the middleware) count too.
    logging.getLogger("aiohttp").addHandler(errors)
    try:
        yield World(number, ids, callers, origin, errors)
    finally:
        logging.getLogger("hub").removeHandler(errors)
        logging.getLogger("aiohttp").removeHandler(errors)
        for session in (outsider, anonymous, admin):
            await session.close()


def sweepable(app: web.Application) -> list[tuple[str, str, str]]:
    """(method, pattern, name) of every route but static files and the websockets."""
    out = []
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method not in METHODS:
            continue
        pattern = resource.canonical
        if pattern.startswith(("/static", "/ws/")):
            continue
        out.append((route.method, pattern, route.name or ""))
    return sorted(set(out))


def allowed(caller: str, name: str) -> bool:
    """Keep the signed-in callers signed in, and the meeting open, for the rest of the sweep."""
    if name == "auth_logout" and caller in ("organizer", "outsider"):
        return False
    return not (name == "meeting_end" and caller == "organizer")


_ACTIVITY_PARTS = {kind.plural for kind in KINDS} | {"activities", "export.csv"}


def family(pattern: str) -> str:
    """The route family a pattern belongs to: live, auth, activities, meetings or pages."""
    parts = pattern.strip("/").split("/")
    if parts[0] == "live" or parts[1:2] == ["live"] or parts[1:3] == ["admin", "live"]:
        return "live"
    if parts[0] == "auth" or parts[1:2] in (["me"], ["admin"]):
        return "auth"
    if parts[0] != "api":
        return "pages"
    if parts[1] in _ACTIVITY_PARTS or (len(parts) > 3 and parts[3] in _ACTIVITY_PARTS):
        return "activities"
    return "meetings"


async def test_every_route_answers_bad_input_without_a_500(world: World) -> None:
    organizer = world.callers["organizer"]
    assert isinstance(organizer, TestClient)
    routes = sweepable(organizer.app)
    assert len(routes) > 30  # the sweep really sees the app's routes
    loop = asyncio.get_running_loop()

    # First every route once per caller with one junk body, so none is left to chance.
    for method, pattern, name in routes:
        values = {p: "x" * 3 for p in param_names(pattern)}
        for caller in world.callers:
            if allowed(caller, name):
                await send(world, caller, method, fill(pattern, values), {}, b'{"a": [}', {})

    families: dict[str, list[tuple[str, str, str]]] = {}
    for route in routes:
        families.setdefault(family(route[1]), []).append(route)
    assert set(families) == {"live", "auth", "activities", "meetings", "pages"}
    caller_st = st.sampled_from(sorted(world.callers))
    header_st = st.fixed_dictionaries(
        {},
        optional={
            "Origin": st.sampled_from([world.origin, "http://evil.example", "null", "::", ""]),
            "Content-Type": st.sampled_from(
                ["application/json", "text/plain", "multipart/form-data", "x/y; charset=bogus"]
            ),
            "X-Request-Id": st.text(PRINTABLE, max_size=80),
            "Cookie": st.sampled_from(COOKIES),
            "Sec-Fetch-Site": st.sampled_from(["same-origin", "same-site", "cross-site", "??"]),
        },
    )

    def sweep_family(members: list[tuple[str, str, str]]) -> None:
        route_st = st.sampled_from(members)

        # too_slow: every example is a real HTTP request, so Hypothesis' data-generation
        # timing says nothing; data_too_large: the deep-JSON bodies are big on purpose.
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(data=st.data())
        def sweep(data: st.DataObject) -> None:
            method, pattern, name = data.draw(route_st)
            caller = data.draw(caller_st)
            if not allowed(caller, name):
                return
            values = {p: data.draw(path_values(world)) for p in param_names(pattern)}
            query, body, headers = data.draw(queries), data.draw(bodies), data.draw(header_st)
            headers = {
                k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()
            }
            path = fill(pattern, values)
            future = asyncio.run_coroutine_threadsafe(
                send(world, caller, method, path, query, body, headers, pattern), loop
            )
            future.result(timeout=60)

        sweep()

    for name in sorted(families):
        await asyncio.to_thread(sweep_family, families[name])


async def test_websocket_answers_bad_frames_with_error_frames_or_a_close(world: World) -> None:
    organizer = world.callers["organizer"]
    assert isinstance(organizer, TestClient)
    loop = asyncio.get_running_loop()
    ws_path = f"/ws/meetings/{world.number}"
    origin = {"Origin": world.origin}
    state: dict[str, Any] = {"ws": None}

    async def connected() -> aiohttp.ClientWebSocketResponse:
        ws = state["ws"]
        # A fresh connection every few frames keeps under the per-connection rate limit
        # (burst 20), so the sweep tests the frames rather than the limiter.
        state["sent"] = state.get("sent", 0) + 1
        if ws is not None and state["sent"] % 8 == 0:
            await ws.close()
        if ws is None or ws.closed:
            ws = await organizer.ws_connect(ws_path, headers=origin)
            state["ws"] = ws
        assert isinstance(ws, aiohttp.ClientWebSocketResponse)
        return ws

    async def exchange(frame: str | bytes) -> None:
        ws = await connected()
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        await ws.send_str('{"type": "ping"}')
        # Read until the pong: every frame on the way must be JSON with a type.
        while True:
            msg = await ws.receive(timeout=10)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                # A close is an allowed answer (rate limit, too big), a crash is not.
                assert ws.close_code != 1011, ws.close_code
                state["ws"] = None
                return
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            parsed = json.loads(msg.data)
            assert isinstance(parsed, dict) and "type" in parsed, parsed
            if parsed["type"] == "pong":
                return
            if parsed["type"] == "error" and parsed.get("code") == "rate_limited":
                return  # the ping itself may be the frame refused

    frames = st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        junk.map(json.dumps),
        st.fixed_dictionaries(
            {"type": st.sampled_from(["chat", "ping", "vote", "", "CHAT"]) | st.text(max_size=8)},
            optional={"text": junk, "client_id": junk, "seq": junk},
        ).map(json.dumps),
    )

    @settings(max_examples=150, deadline=None, database=None)
    @given(frame=frames)
    def sweep(frame: str | bytes) -> None:
        asyncio.run_coroutine_threadsafe(exchange(frame), loop).result(timeout=60)

    await asyncio.to_thread(sweep)

    # Handshakes with junk numbers, queries and origins: refused with 4xx, never a 500.
    handshake_paths = st.tuples(
        st.one_of(st.just(world.number), st.text(max_size=12)),
        queries,
        st.sampled_from([world.origin, "http://evil.example", "", "::"]),
    )

    @settings(max_examples=80, deadline=None, database=None)
    @given(case=handshake_paths)
    def handshakes(case: tuple[str, dict[str, str], str]) -> None:
        number, query, org = case
        path = f"/ws/meetings/{quote(number, safe='') or 'x'}"
        headers = {"Origin": org} if org else {}
        future = asyncio.run_coroutine_threadsafe(
            send(world, "organizer", "GET", path, query, None, headers), loop
        )
        future.result(timeout=60)

    await asyncio.to_thread(handshakes)
    if state["ws"] is not None:
        await state["ws"].close()
