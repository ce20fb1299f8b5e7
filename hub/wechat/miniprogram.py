"""The mini-program client: live rooms and replays (getliveinfo), and its token fetchers."""

from __future__ import annotations

from typing import Any

from hub.wechat.base import TokenClient, check
from hub.wechat.errors import NotConfigured, WeChatUnavailable
from hub.wechat.http import Transport
from hub.wechat.tokens import Credential, Fetched


def _fetched(data: dict[str, Any]) -> Fetched:
    check(data)
    token, expires_in = data.get("access_token"), data.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
        raise WeChatUnavailable(0, "the token answer has no access_token or expires_in")
    return Fetched(token, float(expires_in))


async def fetch_token(transport: Transport, base: str, cred: Credential) -> Fetched:
    """GET /cgi-bin/token: every call mints a new token (the previous one dies 5 minutes later)."""
    data = await transport.call(
        "GET",
        f"{base}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": cred.ident, "secret": cred.secret},
    )
    return _fetched(data)


async def fetch_stable_token(transport: Transport, base: str, cred: Credential) -> Fetched:
    """POST /cgi-bin/stable_token: the same token while valid, so callers never clash."""
    body = {
        "grant_type": "client_credential",
        "appid": cred.ident,
        "secret": cred.secret,
        "force_refresh": False,
    }
    return _fetched(await transport.call("POST", f"{base}/cgi-bin/stable_token", body=body))


class MiniProgramClient(TokenClient):
    """Calls /wxa/business/getliveinfo; every HTTP request sent counts in `calls_sent`."""

    async def get_live_rooms(self, start: int, limit: int) -> dict[str, Any]:
        """The raw room list page (errcode 0); 9410000 and every other errcode raise."""
        return await self.call(
            "POST",
            f"{self.endpoints.wechat_base}/wxa/business/getliveinfo",
            body={"start": start, "limit": limit},
        )

    async def get_replays(self, room_id: int, start: int = 0, limit: int = 100) -> dict[str, Any]:
        """The raw replay answer of one room (`live_replay` may be empty before it is ready)."""
        return await self.call(
            "POST",
            f"{self.endpoints.wechat_base}/wxa/business/getliveinfo",
            body={"action": "get_replay", "room_id": room_id, "start": start, "limit": limit},
        )

    async def code_to_session(self, code: str) -> dict[str, Any]:
        """GET /sns/jscode2session: a `wx.login` code to `openid`, `session_key`, maybe `unionid`.

        Signed with the app id and secret (no access token). The answer holds the session_key:
        callers keep it out of logs and answers.
        """
        ep = self.endpoints
        if not ep.appid or not ep.secret:
            raise NotConfigured("the mini-program (HUB_WECHAT_APPID)")
        params = {
            "appid": ep.appid,
            "secret": ep.secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        return check(
            await self.transport.call("GET", f"{ep.wechat_base}/sns/jscode2session", params=params)
        )
