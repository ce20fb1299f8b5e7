"""WeChat and WeCom failures as exceptions that carry `errcode` and `errmsg`."""

from __future__ import annotations

# The three answers every mature SDK treats alike: drop the token, refresh once, retry once.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
QUOTA_ERRCODE = 45009
BUSY_ERRCODE = -1


class WeChatError(Exception):
    """An answer with a non-zero errcode (or a failure to get any answer)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TokenError(WeChatError):
    """40001 (invalid or not latest), 40014 (invalid) or 42001 (expired) access token."""


class QuotaExceeded(WeChatError):
    """45009: the daily quota of this API is used up; never retried."""


class WeChatUnavailable(WeChatError):
    """No usable answer after the retries: errcode -1 (busy) or 0 (transport, HTTP 5xx)."""


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
