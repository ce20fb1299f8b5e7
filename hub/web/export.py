"""CSV export of a meeting's activities, chat or attendees for its organizer (UTF-8 with BOM).

With `?lang=zh|en` (the pages' export links pass their language) the file is for people:
headers in that language, times in the meeting's time zone (HUB_TIMEZONE) as
`YYYY-MM-DD HH:MM:SS`, which spreadsheets read as dates, yes/no and statuses as words. Without
it, the stable column keys and ISO 8601 UTC times that programs read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from hub.activities import KINDS
from hub.activities.cells import FlagCell, TimeCell, iso, safe, users_of, who
from hub.activities.kind import Rows
from hub.errors import bad_request
from hub.i18n import LANGUAGES, catalogue
from hub.keys import DB, SETTINGS
from hub.storage.attendance import attendances
from hub.storage.chat import messages_after
from hub.storage.database import Executor
from hub.storage.meetings import list_attendees
from hub.web.access import meeting_for

_CHAT_PAGE = 1000


async def _chat(ex: Executor, meeting_id: int) -> Rows:
    # A message the organizer deleted stays, marked by its deleted_at cell.
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


async def _attendees(ex: Executor, meeting_id: int) -> Rows:
    # The 签到 list: who joined and when, in the order they came.
    rows: Rows = [["userid", "name", "joined_at", "provider"]]
    for seen in await attendances(ex, meeting_id):
        user = seen.user
        rows.append([safe(user.userid), safe(user.name), iso(seen.joined_at), user.provider])
    return rows


# What `?kind=` may name: every registered activity kind by its plural, then the chat.
BUILDERS: dict[str, Callable[[Executor, int], Awaitable[Rows]]] = {
    **{kind.plural: kind.csv_rows for kind in KINDS},
    "chat": _chat,
    "people": _people,
    "attendees": _attendees,
}


@dataclass(frozen=True)
class Reader:
    """Who reads an export: their language and the meeting's time zone."""

    lang: str
    zone: ZoneInfo

    def local(self, cell: TimeCell) -> datetime:
        """The moment as wall time in the meeting's zone (no zone attached: spreadsheets
        have none)."""
        return datetime.fromtimestamp(cell.ts, self.zone).replace(tzinfo=None)

    def word(self, key: str, fallback: str) -> str:
        """An export word (`export.<key>`) in the reader's language."""
        return catalogue(self.lang).get(f"export.{key}") or fallback


def reader_of(request: web.Request) -> Reader | None:
    """The reader `?lang=` names, or None for the keyed, UTC export programs read."""
    lang = request.query.get("lang")
    if lang is None:
        return None
    if lang not in LANGUAGES:
        raise bad_request(f"'lang' must be one of {', '.join(LANGUAGES)}")
    return Reader(lang, ZoneInfo(request.app[SETTINGS].timezone))


def for_people(rows: Rows, reader: Reader, time: Callable[[TimeCell], Any]) -> Rows:
    """The rows with headers in the reader's language, times through `time`, yes/no and
    statuses as words; other cells as they are."""
    if not rows:
        return rows
    header, *body = rows
    texts = catalogue(reader.lang)
    status = header.index("status") if "status" in header else -1
    out: Rows = [[texts.get(f"col.{h}") or str(h) for h in header]]
    for row in body:
        cells: list[Any] = []
        for i, value in enumerate(row):
            if isinstance(value, TimeCell):
                cells.append(time(value))
            elif isinstance(value, FlagCell):
                cells.append(reader.word("yes" if value else "no", str(int(value))))
            elif i == status and isinstance(value, str):
                cells.append(reader.word(f"status_{value}", value))
            else:
                cells.append(value)
        out.append(cells)
    return out


def to_csv(rows: Rows) -> bytes:
    """The rows as CSV bytes: UTF-8 with a BOM, CRLF line ends (what Excel expects)."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def export_csv(request: web.Request) -> web.Response:
    """GET /api/meetings/{number}/export.csv?kind=<a kind's plural>|chat|people|attendees
    [&lang=zh|en]."""
    meeting, _ = await meeting_for(request, organizer=True)
    kind = request.query.get("kind", "")
    if kind not in BUILDERS:
        raise bad_request(f"'kind' must be one of {', '.join(BUILDERS)}")
    reader = reader_of(request)
    rows = await BUILDERS[kind](request.app[DB], meeting.id)
    if reader is not None:
        rows = for_people(rows, reader, lambda t: reader.local(t).strftime("%Y-%m-%d %H:%M:%S"))
    body = to_csv(rows)
    filename = f"meeting-{meeting.number}-{kind}.csv"
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
