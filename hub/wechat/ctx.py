"""Cleanup context: token keepers, the two clients, and the task that refreshes tokens early."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from functools import partial

import aiohttp
from aiohttp import web

from hub.background import periodic
from hub.cache import Cache
from hub.clock import Clock
from hub.keys import CACHE, CLOCK, HTTP, SETTINGS
from hub.wechat import miniprogram, wecom
from hub.wechat.endpoints import ENDPOINTS, WeChatEndpoints
from hub.wechat.http import Transport
from hub.wechat.miniprogram import MiniProgramClient
from hub.wechat.tokens import Credential, TokenKeeper
from hub.wechat.wecom import WeComClient

log = logging.getLogger(__name__)

# How often the background task looks for tokens close to expiry.
CHECK_INTERVAL = 30.0
# stable_token hands back the same token until 300 s are left, so ask only after that.
STABLE_MARGIN = 240.0


def credentials(ep: WeChatEndpoints) -> tuple[Credential | None, Credential | None]:
    """The mini-program's and WeCom's credentials; None for one that is not configured."""
    mp = Credential(ep.appid, ep.secret) if ep.appid and ep.secret else None
    corp = Credential(ep.corpid, ep.corpsecret) if ep.corpid and ep.corpsecret else None
    return mp, corp


def build_keepers(
    session: aiohttp.ClientSession,
    cache: Cache,
    clock: Clock,
    endpoints: WeChatEndpoints,
    *,
    stable: bool,
) -> dict[str, TokenKeeper]:
    """One keeper per credential; token fetches go through transports of their own.

    Their requests are not counted as the clients' calls (`hub_wechat_calls` excludes tokens).
    """
    mp_transport, wecom_transport = Transport(session), Transport(session)
    mp_cred, wecom_cred = credentials(endpoints)
    fetch = miniprogram.fetch_stable_token if stable else miniprogram.fetch_token
    return {
        "miniprogram": TokenKeeper(
            "miniprogram",
            cache,
            mp_cred,
            partial(fetch, mp_transport, endpoints.wechat_base),
            clock,
            refresh_margin=STABLE_MARGIN if stable else 600.0,
        ),
        "wecom": TokenKeeper(
            "wecom",
            cache,
            wecom_cred,
            partial(wecom.fetch_token, wecom_transport, endpoints.wecom_base),
            clock,
        ),
    }


async def refresh_due(keepers: Mapping[str, TokenKeeper]) -> None:
    """One round of the background task: refresh every token that is close to expiry."""
    for keeper in keepers.values():
        try:
            await keeper.refresh_if_due()
        except Exception:
            # Logged by the keeper with its errcode; the next round or a caller tries again.
            log.debug("%s token refresh round failed", keeper.kind, exc_info=True)


async def wechat_ctx(app: web.Application) -> AsyncIterator[None]:
    """Put keepers and clients on the app; run the early-refresh task while the app lives.

    Runs after the HTTP session (and, in demo mode, the simulator, which sets ENDPOINTS).
    """
    session, endpoints = app[HTTP], app[ENDPOINTS]
    keepers = build_keepers(
        session, app[CACHE], app[CLOCK], endpoints, stable=app[SETTINGS].wechat_stable_token
    )
    app[TOKEN_KEEPERS] = keepers
    app[MP_CLIENT] = MiniProgramClient(Transport(session), keepers["miniprogram"], endpoints)
    app[WECOM_CLIENT] = WeComClient(Transport(session), keepers["wecom"], endpoints)
    for keeper in keepers.values():
        if not keeper.configured:
            log.info("%s credentials are not configured; its calls will fail", keeper.kind)
    async with periodic("wechat-token-refresh", partial(refresh_due, keepers), CHECK_INTERVAL):
        yield


MP_CLIENT = web.AppKey("mp_client", MiniProgramClient)
WECOM_CLIENT = web.AppKey("wecom_client", WeComClient)
TOKEN_KEEPERS = web.AppKey("token_keepers", dict[str, TokenKeeper])
