"""WeChat and WeCom failures as exceptions that carry `errcode` and `errmsg`."""

from __future__ import annotations

# The three answers every mature SDK treats alike: drop the token, refresh once, retry once.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
QUOTA_ERRCODE = 45009
BUSY_ERRCODE = -1
# The errcode of a failure that got no answer from WeChat; shown as null, never as 0.
NO_ANSWER = 0


class WeChatError(Exception):
    """An answer with a non-zero errcode, or no usable answer at all.

    WeChat's errcode 0 means "ok", so an error's errcode is 0 only when WeChat never answered
    (a timeout, a dropped connection, HTTP 5xx, a body that is not JSON). No text ever shows
    that 0: `detail`, `str()` and `wechat_errcode` say null instead, and `http_status` keeps
    the HTTP status when that is what failed.
    """

    def __init__(self, errcode: int, errmsg: str, *, http_status: int | None = None) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.http_status = http_status
        super().__init__(self.detail)

    @property
    def wechat_errcode(self) -> int | None:
        """The errcode WeChat answered; None when it never answered."""
        return self.errcode or None

    @property
    def detail(self) -> str:
        """`errcode=N, errmsg=...`; `errcode=null` when WeChat never answered (errmsg says why)."""
        code = self.wechat_errcode
        return f"errcode={'null' if code is None else code}, errmsg={self.errmsg}"


class TokenError(WeChatError):
    """40001 (invalid or not latest), 40014 (invalid) or 42001 (expired) access token."""


class QuotaExceeded(WeChatError):
    """45009: the daily quota of this API is used up; never retried."""


class WeChatUnavailable(WeChatError):
    """No usable answer after the retries: errcode -1 (busy), or none (transport, HTTP 5xx)."""


class NotConfigured(WeChatError):
    """The credentials this call needs are not set (e.g. WeCom in production without a corp)."""

    def __init__(self, what: str) -> None:
        super().__init__(41002, f"{what} is not configured")


def error_for(errcode: int, errmsg: str) -> WeChatError:
    """The exception class that fits `errcode`."""
    if errcode in TOKEN_ERRCODES:
        return TokenError(errcode, errmsg)
    if errcode == QUOTA_ERRCODE:
        return QuotaExceeded(errcode, errmsg)
    if errcode == BUSY_ERRCODE:
        return WeChatUnavailable(errcode, errmsg)
    return WeChatError(errcode, errmsg)
