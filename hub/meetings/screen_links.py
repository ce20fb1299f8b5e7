"""Screen links: a URL `/s/{token}` that opens a meeting's screen with no sign-in.

The token is 192 random bits (above the 128 the issue asks for), shown once, and stored only as
its SHA-256: plain SHA-256 suffices for a token this random (nobody can guess an input), and it
lets a lookup be one indexed read.
"""

from __future__ import annotations

import hashlib
import secrets

from hub.storage import Database
from hub.storage.screens import ScreenLink, add_screen_link, link_by_hash

TOKEN_BYTES = 24
# The shape of a token we hand out; anything else is unknown without a database read.
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
TOKEN_LENGTH = 32


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def link_url(token: str) -> str:
    """The path that opens the screen."""
    return f"/s/{token}"


def well_formed(token: str) -> bool:
    """True when `token` could be one of ours (length and alphabet)."""
    return len(token) == TOKEN_LENGTH and set(token) <= _TOKEN_CHARS


async def create_link(
    db: Database, meeting_id: int, user_id: int, now: float
) -> tuple[ScreenLink, str]:
    """A new link and its token (the only time the token exists outside the browser)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = await add_screen_link(db, meeting_id, token_hash(token), user_id, now)
    return link, token


async def find_link(db: Database, token: str) -> ScreenLink | None:
    """The link a token opens (revoked ones too, so the page can say so), or None."""
    if not well_formed(token):
        return None
    return await link_by_hash(db, token_hash(token))
