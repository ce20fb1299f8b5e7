"""Is a URL or an Origin header this hub? One check for websockets, admin writes and QR links."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lowercased, default port left out; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def same_origin(origin: str, public_url: str) -> bool:
    """True when `origin` (an Origin header, or any URL) names the same site as `public_url`."""
    mine = origin_of(public_url)
    return mine is not None and origin_of(origin) == mine
