"""Chat history over HTTP: `GET /api/meetings/{number}/messages?after=SEQ&limit=50`."""

from __future__ import annotations

from aiohttp import web

from hub.keys import DB
from hub.realtime.chat import messages_json
from hub.storage.chat import last_seq, messages_after
from hub.web.access import meeting_for
from hub.web.validate import query_int


async def list_messages(request: web.Request) -> web.Response:
    """Messages after `after` (default 0), oldest first, at most `limit` (1..200); attendees."""
    meeting, _user = await meeting_for(request)
    after = query_int(request, "after", default=0, lo=0, hi=10**15)
    limit = query_int(request, "limit", default=50, lo=1, hi=200)
    db = request.app[DB]
    page = await messages_after(db, meeting.id, after, limit)
    return web.json_response(
        {"messages": await messages_json(db, page), "last_seq": await last_seq(db, meeting.id)}
    )


def setup_chat(app: web.Application) -> None:
    """Register the chat history route."""
    app.router.add_get("/api/meetings/{number}/messages", list_messages, name="chat_messages")
