"""Configuration of the WeChat + WeCom simulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SimConfig:
    """Credentials the simulator accepts and the knobs of its behaviour."""

    appid: str = "wxdemo0000000001"
    secret: str = field(default="demo-mp-secret-0000000000000000", repr=False)
    corpid: str = "wwdemo0000000001"
    corpsecret: str = field(default="demo-wecom-secret-000000000000000", repr=False)
    agentid: str = "1000002"
    oa_appid: str = "wxdemooa00000001"
    oa_secret: str = field(default="demo-oa-secret-00000000000000000", repr=False)
    rooms: int = 0
    seed: int | None = None
    daily_quota: int = 100_000
    token_ttl: int = 7200
    replay_delay: int = 600
    replay_ttl: int = 3 * 86400

    def hub_settings(self, url: str) -> dict[str, Any]:
        """Settings overrides that point a hub's clients at this simulator, served at `url`."""
        return {
            "wechat_appid": self.appid,
            "wechat_secret": self.secret,
            "wecom_corpid": self.corpid,
            "wecom_secret": self.corpsecret,
            "wecom_agentid": self.agentid,
            "wechat_api_base": url,
            "wecom_api_base": url,
            "wecom_oauth_base": url,
            "wechat_oa_appid": self.oa_appid,
            "wechat_oa_secret": self.oa_secret,
            "wechat_oauth_base": url,
        }
