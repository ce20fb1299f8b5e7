"""The 公众号 (official account) web sign-in: authorize URL, code to token, token to userinfo."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from hub.wechat.base import check
from hub.wechat.endpoints import WeChatEndpoints
from hub.wechat.errors import NotConfigured
from hub.wechat.http import Transport

SCOPE = "snsapi_userinfo"


class OfficialAccountClient:
    """公众号 OAuth calls; NotConfigured when HUB_WECHAT_OA_APPID is unset (never calls out)."""

    def __init__(self, transport: Transport, endpoints: WeChatEndpoints) -> None:
        self.transport = transport
        self.endpoints = endpoints

    @property
    def configured(self) -> bool:
        """True when the 公众号's app id and secret are set."""
        return bool(self.endpoints.oa_appid and self.endpoints.oa_secret)

    def _credentials(self) -> tuple[str, str]:
        ep = self.endpoints
        if not ep.oa_appid or not ep.oa_secret:
            raise NotConfigured("the 公众号 (HUB_WECHAT_OA_APPID)")
        return ep.oa_appid, ep.oa_secret

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """WeChat's consent page, which sends the browser back with `code` and `state`."""
        appid, _ = self._credentials()
        query = {
            "appid": appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
        }
        encoded = urlencode(query, quote_via=quote)
        return (
            f"{self.endpoints.wechat_oauth_base}/connect/oauth2/authorize?{encoded}#wechat_redirect"
        )

    async def exchange_code(self, code: str) -> dict[str, Any]:
        """GET /sns/oauth2/access_token: the user's access_token, openid, scope, maybe unionid."""
        appid, secret = self._credentials()
        params = {
            "appid": appid,
            "secret": secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        url = f"{self.endpoints.wechat_base}/sns/oauth2/access_token"
        return check(await self.transport.call("GET", url, params=params))

    async def user_info(self, access_token: str, openid: str) -> dict[str, Any]:
        """GET /sns/userinfo: nickname, headimgurl and (when bound) unionid."""
        params = {"access_token": access_token, "openid": openid, "lang": "zh_CN"}
        url = f"{self.endpoints.wechat_base}/sns/userinfo"
        return check(await self.transport.call("GET", url, params=params))
