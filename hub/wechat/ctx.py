"""Cleanup context: token keepers, the two clients, and the task that refreshes tokens early."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web

from hub.background import periodic
from hub.keys import CACHE, CLOCK, SETTINGS
from hub.wechat import miniprogram, wecom
from hub.wechat.endpoints import ENDPOINTS
from hub.wechat.http import Transport
from hub.wechat.miniprogram import MiniProgramClient
from hub.wechat.tokens import Credential, Fetched, TokenKeeper
from hub.wechat.wecom import WeComClient

log = logging.getLogger(__name__)

# How often the background task looks for tokens close to expiry.
CHECK_INTERVAL = 30.0
# stable_token hands back the same token until 300 s are left, so ask only after that.
STABLE_MARGIN = 240.0


def build_keepers(app: web.Application) -> dict[str, TokenKeeper]:
    """One keeper per credential; each reads the endpoints (and so the credentials) at call time."""
    stable = app[SETTINGS].wechat_stable_token
    mp_transport, wecom_transport = Transport(app), Transport(app)

    def mp_credential() -> Credential | None:
        ep = app[ENDPOINTS]
        return Credential(ep.appid, ep.secret) if ep.appid and ep.secret else None

    def wecom_credential() -> Credential | None:
        ep = app[ENDPOINTS]
        return Credential(ep.corpid, ep.corpsecret) if ep.corpid and ep.corpsecret else None

    async def fetch_mp(cred: Credential) -> Fetched:
        fetch = miniprogram.fetch_stable_token if stable else miniprogram.fetch_token
        return await fetch(mp_transport, app[ENDPOINTS].wechat_base, cred)

    async def fetch_wecom(cred: Credential) -> Fetched:
        return await wecom.fetch_token(wecom_transport, app[ENDPOINTS].wecom_base, cred)

    return {
        "miniprogram": TokenKeeper(
            "miniprogram",
            lambda: app[CACHE],
            mp_credential,
            fetch_mp,
            app[CLOCK],
            refresh_margin=STABLE_MARGIN if stable else 600.0,
        ),
        "wecom": TokenKeeper(
            "wecom", lambda: app[CACHE], wecom_credential, fetch_wecom, app[CLOCK]
        ),
    }


async def refresh_due(app: web.Application) -> None:
    """One round of the background task: refresh every token that is close to expiry."""
    for keeper in app[TOKEN_KEEPERS].values():
        try:
            await keeper.refresh_if_due()
        except Exception:
            # Logged by the keeper with its errcode; the next round or a caller tries again.
            log.debug("%s token refresh round failed", keeper.kind, exc_info=True)


async def wechat_ctx(app: web.Application) -> AsyncIterator[None]:
    """Put keepers and clients on the app; run the early-refresh task while the app lives."""
    keepers = build_keepers(app)
    app[TOKEN_KEEPERS] = keepers
    app[MP_CLIENT] = MiniProgramClient(app, keepers["miniprogram"])
    app[WECOM_CLIENT] = WeComClient(app, keepers["wecom"])
    for keeper in keepers.values():
        if not keeper.configured:
            log.info("%s credentials are not configured; its calls will fail", keeper.kind)
    async with periodic("wechat-token-refresh", partial(refresh_due, app), CHECK_INTERVAL):
        yield


MP_CLIENT = web.AppKey("mp_client", MiniProgramClient)
WECOM_CLIENT = web.AppKey("wecom_client", WeComClient)
TOKEN_KEEPERS = web.AppKey("token_keepers", dict[str, TokenKeeper])
