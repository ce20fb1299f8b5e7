"""A client whose calls carry an access token: one refresh and one retry on a token error."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from hub.wechat.endpoints import WeChatEndpoints
from hub.wechat.errors import TOKEN_ERRCODES, error_for
from hub.wechat.http import Transport
from hub.wechat.tokens import TokenKeeper

log = logging.getLogger(__name__)


def errcode_of(data: Mapping[str, Any]) -> int:
    """The answer's errcode; a missing one means success (the token endpoints omit it)."""
    value = data.get("errcode", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def check(data: dict[str, Any]) -> dict[str, Any]:
    """`data` itself when errcode is 0, else the fitting WeChatError is raised."""
    errcode = errcode_of(data)
    if errcode != 0:
        raise error_for(errcode, str(data.get("errmsg", "")))
    return data


class TokenClient:
    """Base of the mini-program and WeCom clients: calls `endpoints` through `transport`.

    The endpoints are fixed at construction: WeChat's own, or the simulator's in demo mode
    (which starts before the clients are built).
    """

    def __init__(
        self, transport: Transport, keeper: TokenKeeper, endpoints: WeChatEndpoints
    ) -> None:
        self.transport = transport
        self.keeper = keeper
        self.endpoints = endpoints

    @property
    def calls_sent(self) -> int:
        """HTTP requests this client actually sent, retries included (token fetches excluded)."""
        return self.transport.calls_sent

    async def call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """Call with the current token; after a token error drop it, refresh once, retry once."""
        token = await self.keeper.get()
        data = await self.transport.call(
            method, url, params={**(params or {}), "access_token": token}, body=body
        )
        if errcode_of(data) in TOKEN_ERRCODES:
            log.info(
                "%s token refused with %d; refreshing once", self.keeper.kind, errcode_of(data)
            )
            await self.keeper.invalidate(token)
            token = await self.keeper.get()
            data = await self.transport.call(
                method, url, params={**(params or {}), "access_token": token}, body=body
            )
        return check(data)
