"""The WeCom client: the OAuth authorize URL, code to user, ticket to details; its token fetcher."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from hub.wechat.base import TokenClient, check
from hub.wechat.errors import NotConfigured, WeChatUnavailable
from hub.wechat.http import Transport
from hub.wechat.tokens import Credential, Fetched

SCOPE = "snsapi_privateinfo"


async def fetch_token(transport: Transport, base: str, cred: Credential) -> Fetched:
    """GET /cgi-bin/gettoken: one token per (corpid, secret), the same while valid."""
    data = check(
        await transport.call(
            "GET",
            f"{base}/cgi-bin/gettoken",
            params={"corpid": cred.ident, "corpsecret": cred.secret},
        )
    )
    token, expires_in = data.get("access_token"), data.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
        raise WeChatUnavailable(0, "the gettoken answer has no access_token or expires_in")
    return Fetched(token, float(expires_in))


class WeComClient(TokenClient):
    """WeCom login calls; raises NotConfigured when no corp is set (never calls out then)."""

    def authorize_url(self, redirect_uri: str, state: str, scope: str = SCOPE) -> str:
        """Where to send the browser: WeCom's consent page, which redirects back with a code."""
        ep = self.endpoints
        if not ep.corpid or not ep.corpsecret:
            raise NotConfigured("WeCom (HUB_WECOM_CORPID)")
        query = {
            "appid": ep.corpid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
        }
        if ep.agentid:
            query["agentid"] = ep.agentid
        # Every reserved character encoded: WeCom wants redirect_uri fully URL-encoded.
        encoded = urlencode(query, quote_via=quote)
        return f"{ep.wecom_oauth_base}/connect/oauth2/authorize?{encoded}#wechat_redirect"

    async def get_user_info(self, code: str) -> dict[str, Any]:
        """The raw answer for an OAuth code: userid (+ user_ticket) for members, else openid."""
        return await self.call(
            "GET", f"{self.endpoints.wecom_base}/cgi-bin/auth/getuserinfo", params={"code": code}
        )

    async def get_user_detail(self, user_ticket: str) -> dict[str, Any]:
        """The raw member details for a user_ticket (no `name`; `gender` is a string)."""
        return await self.call(
            "POST",
            f"{self.endpoints.wecom_base}/cgi-bin/auth/getuserdetail",
            body={"user_ticket": user_ticket},
        )

    async def get_member(self, userid: str) -> dict[str, Any]:
        """GET /cgi-bin/user/get: a member's record; a self-built app gets `name` for members
        in its visible range (errcode 60011 outside it)."""
        return await self.call(
            "GET", f"{self.endpoints.wecom_base}/cgi-bin/user/get", params={"userid": userid}
        )
