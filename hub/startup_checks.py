"""Start-up warnings: settings that start fine but are risky in the deployment they describe."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from hub.settings import Settings

log = logging.getLogger("hub.startup")

_LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def _is_local(host: str) -> bool:
    """Loopback or unspecified: an address no user's browser reaches hub on."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def risky_settings(settings: Settings) -> list[str]:
    """One sentence per risky setting, naming the variable and what goes wrong."""
    warnings: list[str] = []
    public = urlsplit(settings.public_url)
    own_address = settings.public_url == f"http://{settings.host}:{settings.port}"
    # Demo mode runs on one machine for one person: its defaults are right there.
    if not settings.demo and (own_address or _is_local(public.hostname or "")):
        warnings.append(
            f"HUB_PUBLIC_URL is {settings.public_url}, this machine's own address: behind a "
            "proxy, QR join links, the OAuth redirect and the websocket Origin check need the "
            "https URL users see (set HUB_PUBLIC_URL=https://hub.example.com)"
        )
    if public.path not in ("", "/") or public.query or public.fragment:
        warnings.append(
            f"HUB_PUBLIC_URL {settings.public_url} has a path, query or fragment: hub serves "
            "from the root of its host, so links and the Origin check use only scheme://host"
        )
    if settings.processes > 1 and settings.redis_url is None:
        warnings.append(
            f"HUB_PROCESSES is {settings.processes} but HUB_REDIS_URL is unset: each process "
            "keeps its own cache and broker, so chat and activity frames reach only the "
            "sockets of the process that sent them, and every process syncs and fetches "
            "tokens on its own"
        )
    if settings.processes > 1 and settings.database_url.startswith("sqlite:"):
        warnings.append(
            f"HUB_PROCESSES is {settings.processes} but HUB_DATABASE_URL is SQLite, which is "
            "for one process only: use MariaDB (mysql://...)"
        )
    return warnings


def warn_risky_settings(settings: Settings) -> int:
    """Log one WARNING line per risky setting; returns how many."""
    warnings = risky_settings(settings)
    for text in warnings:
        log.warning("%s", text)
    return len(warnings)
