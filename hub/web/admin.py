"""Admin authorization: `Authorization: Bearer HUB_ADMIN_TOKEN` for scripts."""

from __future__ import annotations

import hmac

from aiohttp import web

from hub.keys import SETTINGS
from hub.web.errors import ApiError


def bearer_token(request: web.Request) -> str | None:
    """The bearer token of the request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def require_admin(request: web.Request) -> None:
    """401 without credentials, 403 with wrong ones."""
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "unauthorized", "admin credentials required (Authorization: Bearer)")
    expected = request.app[SETTINGS].admin_token
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(403, "forbidden", "wrong admin token")
