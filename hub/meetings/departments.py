"""WeCom departments of a user, kept for "members of my department only" meetings.

WeCom's `auth/getuserdetail` (what sign-in calls) has no department; `cgi-bin/user/get` answers
`"department": [1, 2]` (and `main_department`) for an app with the contacts permission. The
sign-in flow hands that answer here after a login; until it does, `user_department` stays as an
operator's import left it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.storage import Database
from hub.storage.meeting_access import set_user_departments

# More than any real member belongs to; a longer list is cut, never trusted to grow a table.
MAX_DEPARTMENTS = 100


def departments_in(answer: Mapping[str, Any]) -> list[int] | None:
    """The department ids of a WeCom user answer; None when it carries no usable list."""
    raw = answer.get("department")
    if not isinstance(raw, list):
        return None
    ids = [d for d in raw if isinstance(d, int) and not isinstance(d, bool) and 0 < d < 2**53]
    return ids[:MAX_DEPARTMENTS]


async def remember_departments(db: Database, user_id: int, answer: Mapping[str, Any]) -> bool:
    """Store the departments of a WeCom user answer for this user; False when it had none."""
    ids = departments_in(answer)
    if ids is None:
        return False
    async with db.transaction() as tx:
        await set_user_departments(tx, user_id, ids)
    return True
