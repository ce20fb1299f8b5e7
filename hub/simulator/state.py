"""The simulator's whole mutable state, kept on the app under SIM_STATE."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .config import SimConfig
from .faults import FaultQueues
from .rooms import generate_rooms
from .tokens import TokenStore
from .wx_people import WxLogins

BEIJING_OFFSET = 8 * 3600
CODE_TTL = 300
TICKET_TTL = 1800

# userid -> (name, gender "1" male / "2" female); the authorize page lists these.
DEMO_USERS: dict[str, tuple[str, str]] = {
    "zhangsan": ("张三", "1"),
    "lisi": ("李四", "1"),
    "wangwu": ("王五", "1"),
    "zhaoliu": ("赵六", "1"),
    "chenjing": ("陈静", "2"),
    "liuyang": ("刘洋", "1"),
    "huangmin": ("黄敏", "2"),
    "zhouting": ("周婷", "2"),
}


@dataclass
class Grant:
    """An OAuth code or a user_ticket: who it names and until when it works."""

    userid: str
    scope: str
    expires: float


@dataclass
class SimState:
    """Counters, tokens, codes, faults, rooms and the clock of one simulator."""

    config: SimConfig
    offset: float = 0.0
    daily_quota: int = 0
    counters: Counter[str] = field(default_factory=Counter)
    errcodes: Counter[int] = field(default_factory=Counter)
    quota: Counter[int] = field(default_factory=Counter)
    faults: FaultQueues = field(default_factory=FaultQueues)
    tokens: TokenStore = field(init=False)
    codes: dict[str, Grant] = field(default_factory=dict)
    tickets: dict[str, Grant] = field(default_factory=dict)
    members: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEMO_USERS))
    rooms: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The /_sim/names switch: user/get refuses every name with 60011 (no privilege), as WeCom
    # does for members outside the app's visible range.
    withhold_names: bool = False
    # Mini-program (jscode2session) and 公众号 OAuth codes and user tokens.
    wx: WxLogins = field(default_factory=WxLogins)

    def __post_init__(self) -> None:
        self.daily_quota = self.config.daily_quota
        self.tokens = TokenStore(self.config.token_ttl)
        self.replace_rooms(generate_rooms(self.config.rooms, self.config.seed, self.now()))

    def now(self) -> float:
        """Return the simulator clock: real time plus the offset /_sim/clock adds."""
        return time.time() + self.offset

    def beijing_day(self) -> int:
        """Return the number of the current Beijing (UTC+8) calendar day."""
        return int((self.now() + BEIJING_OFFSET) // 86400)

    def count_errcode(self, errcode: int) -> None:
        """Record that an answer carried errcode."""
        self.errcodes[errcode] += 1

    def use_quota(self) -> bool:
        """Take one getliveinfo call from today's budget; False when it is used up."""
        day = self.beijing_day()
        if self.quota[day] >= self.daily_quota:
            return False
        self.quota[day] += 1
        return True

    def replace_rooms(self, rooms: list[dict[str, Any]]) -> None:
        """Make rooms the whole room list."""
        self.rooms = {room["roomid"]: room for room in rooms}

    def reset(self, daily_quota: int | None) -> None:
        """Forget counters, faults, tokens, codes and clock offset; rooms stay."""
        self.offset = 0.0
        self.daily_quota = self.config.daily_quota if daily_quota is None else daily_quota
        self.counters.clear()
        self.errcodes.clear()
        self.quota.clear()
        self.faults.clear()
        self.tokens = TokenStore(self.config.token_ttl)
        self.codes.clear()
        self.tickets.clear()
        self.members = dict(DEMO_USERS)
        self.withhold_names = False
        self.wx.clear()


SIM_STATE = web.AppKey("sim_state", SimState)
