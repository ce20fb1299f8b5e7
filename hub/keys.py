"""Every typed AppKey in one place: what lives on the application, and its type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from aiohttp_session import AbstractStorage

from hub.cache import Cache
from hub.clock import Clock
from hub.settings import Settings
from hub.storage import Database

if TYPE_CHECKING:
    from hub.live.sync import LiveSync
    from hub.meetings.activities.publisher import ActivityPublisher
    from hub.metrics import Metrics
    from hub.realtime.hub import RealtimeHub
    from hub.simulator import RunningSimulator
    from hub.wechat.miniprogram import MiniProgramClient
    from hub.wechat.tokens import TokenKeeper
    from hub.wechat.wecom import WeComClient


@dataclass(frozen=True)
class WeChatEndpoints:
    """Where and as whom the WeChat clients call: WeChat itself, or the simulator in demo mode."""

    wechat_base: str
    wecom_base: str
    wecom_oauth_base: str
    appid: str | None
    secret: str | None = field(repr=False)
    corpid: str | None
    corpsecret: str | None = field(repr=False)
    agentid: str | None

    @classmethod
    def from_settings(cls, s: Settings) -> WeChatEndpoints:
        """The endpoints configured for production."""
        return cls(
            s.wechat_api_base,
            s.wecom_api_base,
            s.wecom_oauth_base,
            s.wechat_appid,
            s.wechat_secret,
            s.wecom_corpid,
            s.wecom_secret,
            s.wecom_agentid,
        )


SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DB = web.AppKey[Database]("db")
CACHE = web.AppKey[Cache]("cache")
HTTP = web.AppKey("http", aiohttp.ClientSession)
ENDPOINTS = web.AppKey("endpoints", WeChatEndpoints)
# Annotated rather than subscripted: hub.wechat imports this module (a runtime cycle otherwise).
MP_CLIENT: web.AppKey[MiniProgramClient] = web.AppKey("mp_client")
WECOM_CLIENT: web.AppKey[WeComClient] = web.AppKey("wecom_client")
TOKEN_KEEPERS: web.AppKey[dict[str, TokenKeeper]] = web.AppKey("token_keepers")
SIMULATOR: web.AppKey[RunningSimulator] = web.AppKey("simulator")
SESSIONS = web.AppKey("sessions", AbstractStorage)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
REALTIME: web.AppKey[RealtimeHub] = web.AppKey("realtime")
LIVE: web.AppKey[LiveSync] = web.AppKey("live")
LIVE_FEEDS = web.AppKey["set[web.WebSocketResponse]"]("live_feeds")
ACTIVITIES: web.AppKey[ActivityPublisher] = web.AppKey("activities")
