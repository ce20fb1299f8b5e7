"""Admin authorization: a bearer HUB_ADMIN_TOKEN (scripts) or a signed-in admin's session."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from hub.errors import not_found
from hub.keys import DB, SETTINGS
from hub.settings import Settings
from hub.storage.users import User, get_user_by_userid
from hub.web.auth import current_user
from hub.web.errors import ApiError
from hub.web.origin import same_origin
from hub.web.sessions import LIVE_SESSIONS

log = logging.getLogger(__name__)


def bearer_token(request: web.Request) -> str | None:
    """The bearer token of the request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_admin_user(settings: Settings, user: User | None) -> bool:
    """A signed-in user listed in HUB_ADMIN_USERS (unset: every user in demo mode, else nobody)."""
    if user is None or user.provider != "wecom":
        return False  # WeChat users and nickname guests never administer (issue 21)
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


async def revoke_user_sessions(request: web.Request) -> web.Response:
    """POST /api/admin/users/{userid}/sessions/revoke: sign a user out on every device."""
    await require_admin(request)
    userid = request.match_info.get("userid", "")
    user = None
    # WeCom userids are 1-64 characters; text no database can store names nobody.
    if 1 <= len(userid) <= 64 and userid.encode("utf-8", "replace").decode() == userid:
        user = await get_user_by_userid(request.app[DB], userid)
    if user is None:
        raise not_found("user")
    ended = await request.app[LIVE_SESSIONS].end_all(user.id)
    log.info("admin revoked the %d sessions of user %s", ended, user.userid)
    return web.json_response({"userid": user.userid, "revoked": ended})
