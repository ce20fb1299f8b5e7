"""What a live sync run counts, and how it fails: shared by the listing and the replay steps."""

from __future__ import annotations

from dataclasses import dataclass

from hub.wechat.errors import WeChatError


class SyncAborted(Exception):
    """A run that must change nothing: its errcode and errmsg go into the run record."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode={errcode}, errmsg={errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class SyncBusy(Exception):
    """Another sync (in this process or another) holds the `live-sync` lock."""


@dataclass
class Counters:
    """What one run did so far."""

    pages: int = 0
    seen: int = 0
    upserted: int = 0
    deleted: int = 0
    replays: int = 0
    list_calls: int = 0
    replay_calls: int = 0


def describe(exc: Exception) -> str:
    """The `errcode=..., errmsg=...` text the egg.js answers used, for any failure.

    WeChat never answering (a timeout, HTTP 5xx) is `errcode=null, errmsg=HTTP 500`, never
    `errcode=0`, which is WeChat's "ok".
    """
    if isinstance(exc, WeChatError):
        return exc.detail
    if isinstance(exc, SyncAborted):
        return f"errcode={exc.errcode}, errmsg={exc.errmsg}"
    return f"errcode=-1, errmsg={type(exc).__name__}: {exc}"
