"""QR codes as PNG bytes (qrcode's pure-Python PNG writer: no Pillow), data URLs, and which
links hub agrees to encode and how often."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import io
from dataclasses import dataclass

import qrcode
from qrcode.image.pure import PyPNGImage
from yarl import URL

from hub.cache import Cache, spend

# Hub's own links are short (`https://host/m/12345?from=share`); a long text costs the
# pure-Python encoder ~100 ms of CPU holding the GIL, and scans badly from a screen.
MAX_QR_TEXT = 300
# HUB_QR_RENDERS_PER_MINUTE's default: custom renders per user (meetings' own are cached).
QR_RENDERS_PER_MINUTE = 10
JOIN_QR_CACHE = 4096
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class QrImage:
    """PNG bytes and their strong ETag (the bytes' hash, the same in every process)."""

    png: bytes
    etag: str


def render_png(text: str) -> bytes:
    """The PNG of a QR code encoding `text` (medium error correction, 4-module quiet zone)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(image_factory=PyPNGImage).save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=JOIN_QR_CACHE)
def join_qr(url: str) -> QrImage:
    """A meeting's join QR, rendered once per process and kept (a pure function of the URL)."""
    png = render_png(url)
    return QrImage(png, '"' + hashlib.sha256(png).hexdigest()[:32] + '"')


async def join_qr_async(url: str) -> QrImage:
    """`join_qr` off the event loop (only its first call renders)."""
    return await asyncio.get_running_loop().run_in_executor(None, join_qr, url)


async def render_png_async(text: str) -> bytes:
    """`render_png` off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, render_png, text)


def png_data_url(png: bytes) -> str:
    """A `data:image/png;base64,...` URL of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _origin(url: URL) -> tuple[str, str, int | None] | None:
    scheme = (url.scheme or "").lower()
    host = (url.raw_host or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, url.port or _DEFAULT_PORTS[scheme]


def hub_link(text: str, public_url: str) -> str | None:
    """`text` as a link a browser would open on hub's own origin, else None.

    Parsed as a browser would: "\\" is "/" in http(s) URLs, so `http://evil\\@hub/` names
    the host `evil`; userinfo, whitespace and control characters never appear in hub's links
    and are refused outright rather than second-guessed.
    """
    if len(text) > MAX_QR_TEXT or any(ch <= " " or ch == "\x7f" for ch in text):
        return None
    try:
        url = URL(text.replace("\\", "/"))
        mine = _origin(URL(public_url))
        theirs = _origin(url)
    except (ValueError, TypeError):
        return None
    if mine is None or theirs != mine or url.user is not None or url.password is not None:
        return None
    return str(url)


async def take_render(cache: Cache, user_id: int, per_minute: int) -> int | None:
    """Count one custom render for `user_id`; the whole seconds to wait when over `per_minute`
    (the minute starts at the user's first render, see `spend`)."""
    return await spend(cache, f"qr-renders:{user_id}", per_minute, 60)
