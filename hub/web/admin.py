"""Admin authorization: a bearer HUB_ADMIN_TOKEN (scripts) or a signed-in admin's session."""

from __future__ import annotations

import hmac

from aiohttp import web

from hub.keys import SETTINGS
from hub.settings import Settings
from hub.storage.users import User
from hub.web.auth import current_user
from hub.web.errors import ApiError
from hub.web.origin import same_origin


def bearer_token(request: web.Request) -> str | None:
    """The bearer token of the request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_admin_user(settings: Settings, user: User | None) -> bool:
    """A signed-in user listed in HUB_ADMIN_USERS (unset: every user in demo mode, else nobody)."""
    if user is None:
        return False
    if settings.admin_users is None:
        return settings.demo
    return user.userid in settings.admin_users


def _same_origin(request: web.Request) -> bool:
    # Cookie-authenticated writes must come from our own pages (a cross-site form cannot).
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    public = request.app[SETTINGS].public_url
    return same_origin(origin, public) or same_origin(origin, str(request.url.origin()))


async def require_admin(request: web.Request) -> None:
    """401 without credentials, 403 with wrong ones (or a signed-in user who is not an admin)."""
    token = bearer_token(request)
    if token is None:
        user = await current_user(request)
        if user is None:
            raise ApiError(401, "unauthorized", "admin credentials required (sign in or Bearer)")
        if not is_admin_user(request.app[SETTINGS], user):
            raise ApiError(403, "forbidden", "this account is not an admin")
        if request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(request):
            raise ApiError(403, "forbidden", "cross-origin admin request refused")
        return
    expected = request.app[SETTINGS].admin_token
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(403, "forbidden", "wrong admin token")
