"""WeChat people of the simulator: per-app openids, shared unionids, Chinese nicknames, codes."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

PERSON_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# A person whose key starts with this has no unionid (their apps are not bound to one
# open-platform account), so the mini-program and the 公众号 cannot link them.
UNBOUND_PREFIX = "solo"
# The WeChat people the 公众号's authorize page lists; any well-formed key works as well.
DEMO_PEOPLE = ("xiaoming", "xiaohong", "laowang", "ajie", "meimei")
_NICK_HEADS = "小大阿老"
_NICK_TAILS = "明红王杰美华强芳伟静丽军燕磊"


def nickname(person: str) -> str:
    """A Chinese nickname, the same for the same person."""
    digest = hashlib.sha256(person.encode()).digest()
    return (
        _NICK_HEADS[digest[0] % len(_NICK_HEADS)]
        + _NICK_TAILS[digest[1] % len(_NICK_TAILS)]
        + _NICK_TAILS[digest[2] % len(_NICK_TAILS)]
    )


def openid(appid: str, person: str) -> str:
    """The person's openid in one app: 28 characters, different in every app."""
    return "o" + hashlib.sha256(f"{appid}/{person}".encode()).hexdigest()[:27]


def unionid(person: str) -> str | None:
    """The person's unionid, shared by every app of the account; None when unbound."""
    if person.startswith(UNBOUND_PREFIX):
        return None
    return "u" + hashlib.sha256(f"union/{person}".encode()).hexdigest()[:27]


@dataclass
class WxGrant:
    """A `wx.login` or 公众号 OAuth code: which app, whom it names, until when it works."""

    app: str
    person: str
    expires: float


@dataclass
class WxAccess:
    """A 公众号 user access token from sns/oauth2/access_token (for sns/userinfo)."""

    person: str
    openid: str
    expires: float


@dataclass
class WxLogins:
    """Codes and user tokens of the mini-program and 公众号 sign-ins."""

    codes: dict[str, WxGrant] = field(default_factory=dict)
    tokens: dict[str, WxAccess] = field(default_factory=dict)

    def issue_code(self, app: str, person: str, expires: float) -> str:
        """A new single-use code for `person` in `app` ("mp" or "oa")."""
        code = secrets.token_urlsafe(24)
        self.codes[code] = WxGrant(app, person, expires)
        return code

    def take_code(self, app: str, code: str, now: float) -> WxGrant | None:
        """The grant of a live code of `app`, used up by this call; None for any other."""
        grant = self.codes.get(code)
        if grant is None or grant.app != app:
            return None
        del self.codes[code]  # a code works once, even when it has expired
        return grant if now < grant.expires else None

    def clear(self) -> None:
        """Forget every code and token."""
        self.codes.clear()
        self.tokens.clear()
