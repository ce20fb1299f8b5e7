"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from aiohttp import web

from hub.keys import CACHE, DB


async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Storage and cache both answer within two seconds: 200, else 503 naming what failed."""
    app = request.app
    checks = {"storage": app[DB].ping(), "cache": app[CACHE].ping()}
    results = await asyncio.gather(
        *(asyncio.wait_for(c, 2.0) for c in checks.values()), return_exceptions=True
    )
    failed = [name for name, res in zip(checks, results, strict=True) if res is not None]
    if failed:
        body = {"status": "unavailable", "failed": failed}
        return web.json_response(body, status=503)
    return web.json_response({"status": "ready"})


def setup_health(app: web.Application) -> None:
    """Register /healthz and /readyz."""
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/readyz", readyz, name="readyz")
