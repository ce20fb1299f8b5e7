"""One JSON call to WeChat or WeCom: retries on -1 and transport failures, masked logging."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from yarl import URL

from hub.logs import mask_secrets
from hub.wechat.errors import BUSY_ERRCODE, NO_ANSWER, WeChatUnavailable

log = logging.getLogger(__name__)

# Bounded exponential backoff: three retries, 1.4 s of waiting at most.
RETRY_DELAYS: tuple[float, ...] = (0.2, 0.4, 0.8)
CALL_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)


class _Retryable(Exception):
    """One failed attempt: WeChat's -1, or no answer (NO_ANSWER) with its HTTP status if any."""

    def __init__(self, errcode: int, errmsg: str, http_status: int | None = None) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg
        self.http_status = http_status


class Transport:
    """Sends calls on the shared ClientSession it is given; counts every request actually sent."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        timeout: aiohttp.ClientTimeout = CALL_TIMEOUT,
    ) -> None:
        self.session = session
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.calls_sent = 0

    async def call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """The decoded JSON answer; any errcode but -1 is returned for the caller to judge.

        `-1`, HTTP 5xx, timeouts, dropped connections and unreadable bodies are retried
        after each of `retry_delays`; then WeChatUnavailable is raised.
        """
        target = URL(url).update_query(dict(params or {}))
        shown = mask_secrets(str(target))
        attempts = len(self.retry_delays) + 1
        last = _Retryable(NO_ANSWER, "no attempt made")
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.retry_delays[attempt - 1])
            try:
                data = await self._once(method, target, body, shown, attempt + 1)
            except _Retryable as exc:
                last = exc
            else:
                if data.get("errcode") != BUSY_ERRCODE:
                    return data
                last = _Retryable(BUSY_ERRCODE, str(data.get("errmsg", "system busy")))
            level = logging.WARNING if attempt + 1 == attempts else logging.INFO
            log.log(
                level, "%s %s failed (attempt %d/%d): %s",
                method, shown, attempt + 1, attempts, last.errmsg,
            )  # fmt: skip
        raise WeChatUnavailable(last.errcode, last.errmsg, http_status=last.http_status)

    async def _once(
        self, method: str, target: URL, body: Any, shown: str, attempt: int
    ) -> dict[str, Any]:
        self.calls_sent += 1
        log.debug("%s %s (attempt %d)", method, shown, attempt)
        try:
            async with self.session.request(
                method, target, json=body, timeout=self.timeout
            ) as response:
                if response.status >= 500:
                    raise _Retryable(NO_ANSWER, f"HTTP {response.status}", response.status)
                if response.status != 200:
                    # A 4xx is not WeChat's way of saying anything: a wrong base URL, say.
                    raise WeChatUnavailable(
                        NO_ANSWER,
                        f"HTTP {response.status} from {shown}",
                        http_status=response.status,
                    )
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Retryable(NO_ANSWER, mask_secrets(f"{type(exc).__name__}: {exc}")) from None
        except ValueError:
            raise _Retryable(NO_ANSWER, "the answer is not JSON") from None
        if not isinstance(data, dict):
            raise _Retryable(NO_ANSWER, "the answer is not a JSON object")
        return data
