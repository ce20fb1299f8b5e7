"""Message catalogues (Simplified Chinese and English) and the choice of language per request."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from aiohttp import web

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "lang"

_DIR = Path(__file__).resolve().parent
_PARAM = re.compile(r"\{(\w+)\}")


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The read-only catalogue of one language (loaded once per process)."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    data = json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    return MappingProxyType({str(k): str(v) for k, v in data.items()})


def translate(lang: str, key: str, **params: object) -> str:
    """The message for `key` with `{name}` placeholders filled; the key itself when unknown."""
    message = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    if not params:
        return message
    return _PARAM.sub(lambda m: str(params.get(m.group(1), m.group(0))), message)


def zone_name(lang: str, zone: str) -> str:
    """How pages name the meetings' time zone (`HUB_TIMEZONE`): 北京时间 for Asia/Shanghai,
    the zone's IANA name for any other (readable in both languages, and never ambiguous)."""
    return translate(lang, "time.beijing") if zone == "Asia/Shanghai" else zone


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an `Accept-Language` header; Chinese when nothing matches."""
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        base = tag.strip().lower().split("-")[0]
        if base not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        # Equal weights keep the header's order: the earlier tag wins.
        score = q - position * 1e-6
        if q > 0 and score > best_q:
            best, best_q = base, score
    return best


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """An explicit `?lang=` beats the remembered cookie, which beats the browser's header."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    return negotiate(accept_language)


def request_language(request: web.Request) -> str:
    """The language to answer this request in."""
    return pick_language(
        request.query.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("Accept-Language"),
    )
