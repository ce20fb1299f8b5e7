"""One workbook of a meeting for organizers who live in Excel or WPS (openpyxl): a sheet per
activity, one for the 签到 list and one for the chat, in the reader's language and the
meeting's time zone, times as real date cells."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from hub.activities import KINDS
from hub.activities.kind import Rows
from hub.i18n import catalogue, request_language
from hub.keys import DB, SETTINGS
from hub.storage.database import Executor
from hub.storage.meetings import Meeting
from hub.web.access import meeting_for
from hub.web.export import BUILDERS, Reader, for_people, reader_of

# Excel's limits on a sheet's name: 31 characters, none of []:*?/\.
_SHEET_NAME_MAX = 31
_NOT_IN_NAMES = re.compile(r"[\[\]:*?/\\]")
_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _sheet_name(taken: set[str], wanted: str) -> str:
    """A valid sheet name not used yet, from `wanted`."""
    base = _NOT_IN_NAMES.sub(" ", wanted)[:_SHEET_NAME_MAX].strip() or "sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: _SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def split_by_activity(rows: Rows, ids: list[int]) -> list[tuple[int, Rows]]:
    """A kind's export rows as one table per activity, for each of `ids` (one nobody used yet
    gets its header only): every kind's first column is the activity's id."""
    if not rows:
        return []
    header, *body = rows
    groups: dict[int, Rows] = {i: [header] for i in ids}
    for row in body:
        groups.setdefault(int(row[0]), [header]).append(row)
    return list(groups.items())


async def sheets_of(ex: Executor, meeting: Meeting, reader: Reader) -> list[tuple[str, Rows]]:
    """Every sheet of the meeting's workbook: its name and rows, for `reader`."""
    texts = catalogue(reader.lang)
    sheets: list[tuple[str, Rows]] = []
    taken: set[str] = set()
    for kind in KINDS:
        label = texts.get(f"export.{kind.plural}") or kind.label
        ids = [int(a["id"]) for a in await kind.listing(ex, meeting.id, meeting.organizer_id)]
        rows = await kind.csv_rows(ex, meeting.id)
        for activity_id, table in split_by_activity(rows, ids):
            sheets.append((_sheet_name(taken, f"{label} {activity_id}"), table))
    attendees = reader.word("sheet_attendees", "attendees")
    sheets.append((_sheet_name(taken, attendees), await BUILDERS["attendees"](ex, meeting.id)))
    chat = reader.word("sheet_chat", "chat")
    sheets.append((_sheet_name(taken, chat), await BUILDERS["chat"](ex, meeting.id)))
    return sheets


def build_workbook(sheets: list[tuple[str, Rows]], reader: Reader) -> bytes:
    """The .xlsx bytes: one sheet per entry, header row bold and frozen, dates as dates."""
    book = Workbook(write_only=True)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.freeze_panes = "A2"
        for row in for_people(rows, reader, reader.local):
            cells: list[Any] = []
            for value in row:
                if hasattr(value, "year"):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = _DATE_FORMAT
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def export_workbook(request: web.Request) -> web.Response:
    """GET /api/meetings/{number}/export.xlsx[?lang=zh|en]: the whole meeting in one workbook
    (in the page's language unless `lang` says)."""
    meeting, _ = await meeting_for(request, organizer=True)
    reader = reader_of(request) or Reader(
        request_language(request), ZoneInfo(request.app[SETTINGS].timezone)
    )
    sheets = await sheets_of(request.app[DB], meeting, reader)
    # Writing a big workbook is CPU work: off the event loop.
    body = await asyncio.to_thread(build_workbook, sheets, reader)
    filename = f"meeting-{meeting.number}.xlsx"
    return web.Response(
        body=body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
