"""QR codes as PNG bytes (qrcode's pure-Python PNG writer: no Pillow) and data URLs."""

from __future__ import annotations

import asyncio
import base64
import functools
import io

import qrcode
from qrcode.image.pure import PyPNGImage

# Past this a QR code gets too dense to scan from a screen; hub's own URLs are far shorter.
MAX_QR_TEXT = 1000


@functools.lru_cache(maxsize=512)
def qr_png(text: str) -> bytes:
    """The PNG of a QR code encoding `text` (medium error correction, 4-module quiet zone)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(image_factory=PyPNGImage).save(out)
    return out.getvalue()


async def qr_png_async(text: str) -> bytes:
    """`qr_png` off the event loop: a long text costs a pure-Python encoder a few hundred ms."""
    return await asyncio.get_running_loop().run_in_executor(None, qr_png, text)


def png_data_url(png: bytes) -> str:
    """A `data:image/png;base64,...` URL of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
