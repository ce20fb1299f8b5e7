"""Where a person signed in from (`app_user.provider`): WeChat people linked by unionid, guests.

WeCom members keep their userid. A WeChat person's `userid` is `mp:<openid>` or
`oa:<openid>` (from the provider they first came through) and a guest's `guest:<random>`:
WeCom userids hold no colon, so no one can sign in as another source's person.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterable

from hub.storage.database import Executor, IntegrityViolation, placeholders

WECOM, MINIPROGRAM, WECHAT, GUEST = "wecom", "miniprogram", "wechat", "guest"
PROVIDERS = (WECOM, MINIPROGRAM, WECHAT, GUEST)
# The short userid prefix of each non-WeCom provider.
_PREFIX = {MINIPROGRAM: "mp", WECHAT: "oa", GUEST: "guest"}


def wechat_userid(provider: str, openid: str) -> str:
    """The userid of a WeChat person first seen through `provider` (64 characters at most)."""
    if len(openid) > 56:  # real openids are 28 characters; a longer one is hashed to fit
        openid = hashlib.sha256(openid.encode()).hexdigest()[:56]
    return f"{_PREFIX[provider]}:{openid}"


async def provider_of(ex: Executor, user_id: int) -> str:
    """The provider the user signed in through (`wecom` for unknown ids)."""
    value = await ex.fetchval("SELECT provider FROM app_user WHERE id = ?", (user_id,))
    return str(value) if value else WECOM


async def providers_of(ex: Executor, ids: Iterable[int]) -> dict[int, str]:
    """The provider of each of these users, by id."""
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = await ex.fetchall(
            f"SELECT id, provider FROM app_user WHERE id IN ({placeholders(len(part))})", part
        )
        found.update({int(row["id"]): str(row["provider"]) for row in rows})
    return found


async def _find_wechat(ex: Executor, userid: str, unionid: str | None) -> int | None:
    if unionid:
        found = await ex.fetchval("SELECT id FROM app_user WHERE unionid = ?", (unionid,))
        if found is not None:
            return int(found)
    found = await ex.fetchval("SELECT id FROM app_user WHERE userid = ?", (userid,))
    return None if found is None else int(found)


async def upsert_wechat(
    ex: Executor,
    provider: str,
    openid: str,
    unionid: str | None,
    nickname: str | None,
    avatar: str | None,
    now: float,
) -> int:
    """The id of the WeChat person behind (provider, openid), created on first sign-in.

    The unionid links them: a person who signed in through the mini-program and then through
    the 公众号 is one user. A name they picked (`name_set`) is never overwritten.
    """
    userid = wechat_userid(provider, openid)
    user_id = await _find_wechat(ex, userid, unionid)
    if user_id is None:
        # Two first sign-ins at once: the other insert winning is fine, it is found below.
        with contextlib.suppress(IntegrityViolation):
            await ex.execute(
                "INSERT INTO app_user (userid, name, avatar, name_set, created_at,"
                " last_login_at, provider, provider_id, unionid)"
                " VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)",
                (userid, (nickname or "微信用户")[:100], avatar or "", now, now, provider,
                 openid[:128], unionid or None),
            )  # fmt: skip
        user_id = await _find_wechat(ex, userid, unionid)
        if user_id is None:  # pragma: no cover - the row was written just above
            raise LookupError(f"user {userid!r} vanished after insert")
        return user_id
    await ex.execute(
        "UPDATE app_user SET last_login_at = ?, avatar = COALESCE(?, avatar),"
        " name = CASE WHEN name_set = 0 AND ? IS NOT NULL THEN ? ELSE name END WHERE id = ?",
        (now, avatar, nickname, (nickname or "")[:100], user_id),
    )
    if unionid:
        # A person first seen without a unionid gets it now (unless another row holds it).
        with contextlib.suppress(IntegrityViolation):
            await ex.execute(
                "UPDATE app_user SET unionid = ? WHERE id = ? AND unionid IS NULL",
                (unionid, user_id),
            )
    return user_id


async def create_guest(ex: Executor, nickname: str, avatar: str | None, now: float) -> int:
    """A new guest who chose `nickname` (and maybe an avatar); returns their id."""
    guest_id = secrets.token_hex(12)
    result = await ex.execute(
        "INSERT INTO app_user (userid, name, avatar, name_set, created_at, last_login_at,"
        " provider, provider_id) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
        (f"guest:{guest_id}", nickname, avatar or "", now, now, GUEST, guest_id),
    )
    if result.lastrowid:
        return int(result.lastrowid)
    found = await ex.fetchval("SELECT id FROM app_user WHERE provider_id = ?", (guest_id,))
    return int(found)


async def count_guests(ex: Executor, meeting_id: int) -> int:
    """How many nickname guests attend the meeting."""
    value = await ex.fetchval(
        "SELECT COUNT(*) FROM attendee a JOIN app_user u ON u.id = a.user_id"
        " WHERE a.meeting_id = ? AND u.provider = ?",
        (meeting_id, GUEST),
    )
    return int(value or 0)


async def lock_live_meeting(ex: Executor, meeting_id: int, now: float) -> bool:
    """Take the meeting's row lock inside a transaction (counts as activity); False if ended.

    Guest joins of one meeting then run one at a time, so the guest cap is exact.
    """
    result = await ex.execute(
        "UPDATE meeting SET last_activity_at = ? WHERE id = ? AND ended_at IS NULL",
        (now, meeting_id),
    )
    if result.rowcount > 0:
        return True
    # MySQL counts an UPDATE that changes nothing as 0 rows: look again.
    found = await ex.fetchval(
        "SELECT 1 FROM meeting WHERE id = ? AND ended_at IS NULL", (meeting_id,)
    )
    return found is not None
