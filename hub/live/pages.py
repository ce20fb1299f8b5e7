"""Room-list answers as bytes, encoded once per data generation and page, shared via the cache."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from hub.cache import Cache, CacheUnavailable
from hub.live.sync import LiveSync
from hub.storage import Database
from hub.storage import rooms as store

log = logging.getLogger(__name__)

# Versioned: during a rolling upgrade, processes that shape rooms differently share the cache.
PAGE_KEY = "live:page:v3"
PAGE_CACHE_TTL = 300.0
# Pages this process has encoded (and gzipped) lately, keyed by generation and shape.
MEMO_PAGES = 512
# While the shared cache is down, pages read from storage are kept here this long, per process.
FALLBACK_TTL = 3.0
FALLBACK_PAGES = 256
# Below this a gzip member is about as large as the JSON it holds.
GZIP_MIN_BYTES = 256
STATUSES = tuple(range(101, 108))

# "egg": /live/getRoomList (egg.js's envelope); "api": /api/live/rooms (with counts).
Kind = Literal["egg", "api"]


@dataclass(frozen=True)
class Encoded:
    """One answer's bytes, its strong ETag (unquoted) and its gzip form (None: too small)."""

    body: bytes
    etag: str
    gzipped: bytes | None

    @classmethod
    def of(cls, text: str) -> Encoded:
        """Encode, hash and compress once; mtime=0 keeps the gzip bytes the same everywhere."""
        body = text.encode()
        packed = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return cls(body, hashlib.blake2b(body, digest_size=12).hexdigest(), packed)

    def parsed(self) -> dict[str, Any]:
        """The answer parsed back (the home page renders its first rooms from it)."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass(frozen=True)
class ListRequest:
    """A list as a route asks for it: page (from 1), size, statuses, search text, and whether
    rooms with replay segments are asked for (see store.RoomQuery)."""

    kind: Kind
    page: int
    size: int
    statuses: tuple[int, ...] = ()
    search: str = ""
    replay: bool = False

    @property
    def shape(self) -> str:
        """The cache key part that tells this list from others (the search is hashed)."""
        codes = ",".join([*map(str, self.statuses), *(["replay"] if self.replay else [])])
        shape = f"{self.kind}:{codes}:{self.page}:{self.size}:"
        if self.search:
            return shape + hashlib.blake2b(self.search.encode(), digest_size=8).hexdigest()
        return shape


def dumps(body: Any) -> str:
    """JSON as the egg.js service sent it: Chinese names readable on the wire."""
    return json.dumps(body, ensure_ascii=False)


def envelope(want: ListRequest, found: store.RoomPage, anchor: str) -> dict[str, Any]:
    """The route's answer around one page of rooms (egg.js's fields in egg.js's order)."""
    rooms = [room.as_json(anchor) for room in found.rooms]
    if want.kind == "egg":
        return {
            "total_count": found.total,
            "page_size": want.size,
            "cur_page": want.page,
            "data": rooms,
        }
    counts = {str(s): found.counts.get(s, 0) for s in STATUSES}
    # A status WeChat adds later still counts rather than vanishing.
    counts.update({str(s): n for s, n in sorted(found.counts.items()) if s not in STATUSES})
    counts["replay"] = found.with_replay
    return {
        "total": found.total,
        "page": want.page,
        "page_size": want.size,
        "rooms": rooms,
        "counts": counts,
    }


class FallbackPages:
    """Answers this process keeps for a few seconds while the shared cache is down.

    The rooms are all in storage, so a cache outage costs speed, not answers (ops F3): each page
    is read from storage at most once per `ttl` per process meanwhile.
    """

    def __init__(self, ttl: float = FALLBACK_TTL, size: int = FALLBACK_PAGES) -> None:
        self.ttl = ttl
        self.size = size
        self.degraded = False
        self._pages: OrderedDict[str, tuple[float, Encoded]] = OrderedDict()

    def get(self, key: str) -> Encoded | None:
        """An answer read less than `ttl` seconds ago, else None."""
        found = self._pages.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: str, page: Encoded) -> None:
        """Keep an answer; the oldest go past `size`."""
        self._pages[key] = (time.monotonic() + self.ttl, page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)

    def cache_down(self, exc: Exception) -> None:
        """Say once per outage that pages come from storage."""
        if not self.degraded:
            self.degraded = True
            log.warning("room pages are read from storage while the cache is down: %s", exc)

    def cache_up(self) -> bool:
        """True once when the cache answers again after an outage."""
        if not self.degraded:
            return False
        self.degraded = False
        self._pages.clear()
        log.info("room pages are cached again")
        return True


class RoomPages:
    """Room-list answers: per process by generation, else from the shared cache, else storage.

    A request costs one cache read (the generation) when this process has the page already;
    the generation only moves when a commit changed what pages show.
    """

    def __init__(
        self,
        db: Database,
        cache: Cache,
        live: LiveSync,
        default_anchor_img: str,
        *,
        memo_size: int = MEMO_PAGES,
    ) -> None:
        self.db = db
        self.cache = cache
        self.live = live
        self.anchor = default_anchor_img
        self.memo_size = memo_size
        self.fallback = FallbackPages()
        self._memo: OrderedDict[str, Encoded] = OrderedDict()

    async def read(self, want: ListRequest) -> Encoded:
        """Encode one answer from storage (no cache involved)."""
        query = store.RoomQuery((want.page - 1) * want.size, want.size, want.statuses, want.search)
        found = await store.find_rooms(self.db, query)
        return Encoded.of(dumps(envelope(want, found, self.anchor)))

    async def answer(self, want: ListRequest) -> Encoded:
        """The answer for this list, cached until a commit moves the generation; read from
        storage (and kept a few seconds in this process) while the cache is down."""
        fallback = self.fallback
        try:
            generation = await self.live.generation()
            if fallback.cache_up():
                # A pin made during the outage could not move the generation: move it now, so
                # no page cached before the outage outlives it.
                await self.live.bump()
                generation = await self.live.generation()
            key = f"{PAGE_KEY}:{generation}:{want.shape}"
            memo = self._memo.get(key)
            if memo is not None:
                return memo
            cached = await self.cache.get(key)
        except CacheUnavailable as exc:
            fallback.cache_down(exc)
            kept = fallback.get(want.shape)
            if kept is None:
                kept = await self.read(want)
                fallback.put(want.shape, kept)
            return kept
        if cached is not None:
            encoded = Encoded.of(cached)
        else:
            encoded = await self.read(want)
            try:
                await self.cache.set(key, encoded.body.decode(), ttl=PAGE_CACHE_TTL)
            except CacheUnavailable as exc:
                fallback.cache_down(exc)
                return encoded
        self._remember(key, encoded)
        return encoded

    def _remember(self, key: str, encoded: Encoded) -> None:
        self._memo[key] = encoded
        self._memo.move_to_end(key)
        while len(self._memo) > self.memo_size:
            self._memo.popitem(last=False)


ROOM_PAGES = web.AppKey("live_room_pages", RoomPages)
