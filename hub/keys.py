"""Every typed AppKey in one place: what lives on the application, and its type."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from hub.cache import Cache
from hub.clock import Clock
from hub.settings import Settings
from hub.storage import Database


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
