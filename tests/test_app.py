"""The assembled app: health probes, JSON errors, the body limit, readiness failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from hub.app import create_app
from hub.settings import Settings
from hub.storage import DatabaseBusy
from hub.web.validate import read_json
from tests.conftest import AppClient
from tests.servers import Redis


async def test_healthz_and_readyz(
    hub_client: AppClient, make_settings: Callable[..., Settings]
) -> None:
    client = await hub_client(make_settings())
    resp = await client.get("/healthz")
    assert resp.status == 200 and (await resp.json())["status"] == "ok"
    resp = await client.get("/readyz")
    assert resp.status == 200 and (await resp.json())["status"] == "ready"


async def test_readyz_names_the_failed_cache(
    aiohttp_client: Any, make_settings: Callable[..., Settings], prefix: str
) -> None:
    server = Redis().start()
    try:
        client = await aiohttp_client(create_app(make_settings(redis_url=server.url())))
        assert (await client.get("/readyz")).status == 200
        server.stop()
        resp = await client.get("/readyz")
        assert resp.status == 503
        assert await resp.json() == {"status": "unavailable", "failed": ["cache"]}
    finally:
        server.destroy()


async def test_json_errors_and_body_limit(
    aiohttp_client: Any, make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings())

    async def echo(request: web.Request) -> web.Response:
        return web.json_response(await read_json(request))

    async def crash(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals")

    async def busy(request: web.Request) -> web.Response:
        raise DatabaseBusy("deadlock")

    app.router.add_post("/api/_echo", echo)
    app.router.add_get("/api/_crash", crash)
    app.router.add_get("/api/_busy", busy)
    client = await aiohttp_client(app)

    resp = await client.get("/api/nothing-here")
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"

    resp = await client.post("/api/_echo", data=b"{not json")
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "bad_json"

    resp = await client.post("/api/_echo", data=b"[1, 2]")
    assert resp.status == 400

    resp = await client.post("/api/_echo", json={"a": "x" * (70 * 1024)})
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "payload_too_large"

    resp = await client.get("/api/_crash")
    assert resp.status == 500
    body = await resp.text()
    assert "secret internals" not in body and "Traceback" not in body
    assert (await resp.json())["error"]["code"] == "internal"

    resp = await client.get("/api/_busy")
    assert resp.status == 503 and resp.headers["Retry-After"] == "1"
    assert (await resp.json())["error"]["code"] == "busy"

    resp = await client.put("/healthz")
    assert resp.status == 405
