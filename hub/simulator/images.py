"""Generated SVG images and placeholder replay media, so the demo works without internet."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from aiohttp import web

from .common import sim_state
from .state import SimState

# A 2-second 160x90 VP8 clip (4 KB), recorded once with Chromium's MediaRecorder, so a replay
# link plays in a <video> element without internet or ffmpeg.
REPLAY_CLIP = Path(__file__).with_name("replay.webm")

# width, height per image kind, roughly the aspect ratios WeChat asks for.
SIZES = {
    "cover": (270, 480),
    "share": (500, 400),
    "feeds": (400, 400),
    "goods": (300, 300),
    "avatar": (100, 100),
    "qr": (100, 100),
}


def _label(state: SimState, kind: str, key: str) -> str:
    if kind in ("avatar", "qr"):
        name = state.members.get(key, (key, ""))[0]
        return name[:1] or "?"
    if kind == "goods":
        for room in state.rooms.values():
            for goods in room["goods"]:
                if str(goods["goods_id"]) == key:
                    return str(goods["name"])[:1]
        return key[:1]
    found = state.rooms.get(int(key)) if key.isdigit() else None
    # Skip a leading 【tag】 so the picture shows the topic, not the bracket.
    return re.sub(r"^【[^】]*】", "", str(found["name"]))[:1] if found else key[:1]


def render_svg(kind: str, key: str, label: str) -> str:
    """Return an SVG of a solid colour derived from key with label written in the middle."""
    width, height = SIZES[kind]
    hue = int(hashlib.sha256(f"{kind}/{key}".encode()).hexdigest()[:4], 16) % 360
    size = min(width, height) // 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" '
        f'fill="hsl({hue},55%,55%)"/><text x="50%" y="50%" dominant-baseline="central" '
        f'text-anchor="middle" font-family="sans-serif" font-size="{size}" fill="#fff">'
        f"{html.escape(label or '?')}</text></svg>"
    )


async def image(request: web.Request) -> web.Response:
    """GET /_sim/img/{kind}/{key}.svg: a small image for a room, goods item or user."""
    kind, key = request.match_info["kind"], request.match_info["key"]
    if kind not in SIZES:
        raise web.HTTPNotFound()
    svg = render_svg(kind, key, _label(sim_state(request), kind, key))
    return web.Response(
        text=svg, content_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"}
    )


def _check_expiry(request: web.Request) -> None:
    try:
        expires = int(request.query.get("e", "0"))
    except ValueError:
        expires = 0
    if sim_state(request).now() >= expires:
        raise web.HTTPForbidden(text="media url expired\n")


async def video(request: web.Request) -> web.FileResponse:
    """GET /_sim/media/{roomid}/{seg}.webm: a playable replay segment until its URL expires."""
    _check_expiry(request)
    # FileResponse answers Range requests, which <video> elements send.
    return web.FileResponse(REPLAY_CLIP, headers={"Content-Type": "video/webm"})


async def media(request: web.Request) -> web.Response:
    """GET /_sim/media/{roomid}/{seg}.m3u8: a stand-in playlist (links stored before .webm)."""
    _check_expiry(request)
    return web.Response(
        text="#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-ENDLIST\n",
        content_type="application/vnd.apple.mpegurl",
    )
