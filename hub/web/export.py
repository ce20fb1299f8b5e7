"""CSV export of a meeting's activities or chat for its organizer (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable

from aiohttp import web

from hub.activities import KINDS
from hub.activities.cells import iso, safe, users_of, who
from hub.activities.kind import Rows
from hub.errors import bad_request
from hub.keys import DB
from hub.storage.chat import messages_after
from hub.storage.database import Executor
from hub.storage.meetings import list_attendees
from hub.web.access import meeting_for

_CHAT_PAGE = 1000


async def _chat(ex: Executor, meeting_id: int) -> Rows:
    # A message the organizer deleted stays, marked in the last column.
    rows: Rows = [["seq", "ts", "userid", "name", "text", "deleted_at", "provider"]]
    after = 0
    while True:
        page = await messages_after(ex, meeting_id, after, _CHAT_PAGE)
        users = await users_of(ex, (m.user_id for m in page))
        for m in page:
            person = who(users, m.user_id)
            user = users.get(m.user_id)
            provider = user.provider if user else ""
            rows.append(
                [m.seq, iso(m.created_at), *person, safe(m.text), iso(m.deleted_at), provider]
            )
        if len(page) < _CHAT_PAGE:
            return rows
        after = page[-1].seq


async def _people(ex: Executor, meeting_id: int) -> Rows:
    # Who came and from where: wecom, miniprogram, wechat (公众号) or guest (issue 21).
    rows: Rows = [["userid", "name", "provider"]]
    for user in await list_attendees(ex, meeting_id):
        rows.append([safe(user.userid), safe(user.name), user.provider])
    return rows


# What `?kind=` may name: every registered activity kind by its plural, then the chat.
_BUILDERS: dict[str, Callable[[Executor, int], Awaitable[Rows]]] = {
    **{kind.plural: kind.csv_rows for kind in KINDS},
    "chat": _chat,
    "people": _people,
}


def to_csv(rows: Rows) -> bytes:
    """The rows as CSV bytes: UTF-8 with a BOM, CRLF line ends (what Excel expects)."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def export_csv(request: web.Request) -> web.Response:
    """GET /api/meetings/{number}/export.csv?kind=<a kind's plural>|chat|people (polls, ...)."""
    meeting, _ = await meeting_for(request, organizer=True)
    kind = request.query.get("kind", "")
    if kind not in _BUILDERS:
        raise bad_request(f"'kind' must be one of {', '.join(_BUILDERS)}")
    body = to_csv(await _BUILDERS[kind](request.app[DB], meeting.id))
    filename = f"meeting-{meeting.number}-{kind}.csv"
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
