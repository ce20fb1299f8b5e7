"""Where and as whom the WeChat clients call: the configured endpoints, or the simulator's."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from hub.settings import Settings


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
    # The 公众号 (WeChat-browser sign-in, issue 21): unset turns that sign-in off.
    oa_appid: str | None = None
    oa_secret: str | None = field(default=None, repr=False)
    wechat_oauth_base: str = "https://open.weixin.qq.com"

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
            s.wechat_oa_appid,
            s.wechat_oa_secret,
            s.wechat_oauth_base,
        )


ENDPOINTS = web.AppKey("endpoints", WeChatEndpoints)
