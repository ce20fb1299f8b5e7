"""Configuration of the WeChat + WeCom simulator."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SimConfig:
    """Credentials the simulator accepts and the knobs of its behaviour."""

    appid: str = "wxdemo0000000001"
    secret: str = field(default="demo-mp-secret-0000000000000000", repr=False)
    corpid: str = "wwdemo0000000001"
    corpsecret: str = field(default="demo-wecom-secret-000000000000000", repr=False)
    agentid: str = "1000002"
    rooms: int = 0
    seed: int | None = None
    daily_quota: int = 100_000
    token_ttl: int = 7200
    replay_delay: int = 600
    replay_ttl: int = 3 * 86400
