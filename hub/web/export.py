"""CSV export of a meeting's activities or chat for its organizer (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web

from hub.clock import iso_ts
from hub.errors import bad_request
from hub.keys import DB
from hub.storage.chat import messages_after
from hub.storage.database import Executor
from hub.storage.lotteries import list_lotteries, winner_rows
from hub.storage.polls import ballot_rows, list_polls
from hub.storage.ratings import list_ratings, score_rows
from hub.storage.redpackets import list_packets, share_rows
from hub.storage.users import User, get_users
from hub.web.access import meeting_for

KINDS = ("polls", "ratings", "redpackets", "lotteries", "chat")
# A cell starting with one of these is a formula to Excel: user text must never run as one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHAT_PAGE = 1000

Rows = list[Sequence[Any]]


def _iso(ts: float | None) -> str:
    return iso_ts(ts) or ""


def safe(text: str) -> str:
    """User text as a cell Excel shows verbatim (a leading quote defuses formulas)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _who(users: dict[int, User], user_id: int | None) -> list[str]:
    user = users.get(user_id) if user_id is not None else None
    return [safe(user.userid), safe(user.name)] if user else ["", ""]


async def _users(ex: Executor, ids: Iterable[Any]) -> dict[int, User]:
    return await get_users(ex, {int(i) for i in ids if i is not None})


async def _polls(ex: Executor, meeting_id: int) -> Rows:
    header = ["poll_id", "question", "multi", "status", "option_id", "option", "option_votes"]
    rows: Rows = [[*header, "total_votes", "userid", "name", "voted_at"]]
    ballots = await ballot_rows(ex, meeting_id)
    users = await _users(ex, (b["user_id"] for b in ballots))
    by_option: dict[int, list[Any]] = {}
    for b in ballots:
        by_option.setdefault(int(b["option_id"]), []).append(b)
    for poll in await list_polls(ex, meeting_id):
        for opt in poll.options:
            base = [poll.id, safe(poll.question), int(poll.multi), poll.status, opt.id]
            base += [safe(opt.label), opt.votes, poll.total_votes]
            voters = by_option.get(opt.id) or [None]
            for b in voters:
                who = _who(users, int(b["user_id"])) if b else ["", ""]
                rows.append([*base, *who, _iso(b["created_at"]) if b else ""])
    return rows


async def _ratings(ex: Executor, meeting_id: int) -> Rows:
    rows: Rows = [["rating_id", "subject", "max", "status", "userid", "name", "score", "scored_at"]]
    scores = await score_rows(ex, meeting_id)
    users = await _users(ex, (s["user_id"] for s in scores))
    by_rating: dict[int, list[Any]] = {}
    for s in scores:
        by_rating.setdefault(int(s["rating_id"]), []).append(s)
    for rating in await list_ratings(ex, meeting_id):
        base = [rating.id, safe(rating.subject), rating.max_score, rating.status]
        for s in by_rating.get(rating.id, []):
            who = _who(users, int(s["user_id"]))
            rows.append([*base, *who, int(s["score"]), _iso(s["updated_at"])])
    return rows


async def _redpackets(ex: Executor, meeting_id: int) -> Rows:
    header = ["packet_id", "total_cents", "count", "index", "cents", "yuan"]
    rows: Rows = [[*header, "userid", "name", "claimed_at"]]
    packets = {p.id: p for p in await list_packets(ex, meeting_id)}
    shares = await share_rows(ex, meeting_id)
    users = await _users(ex, (s["user_id"] for s in shares))
    for s in shares:
        packet = packets[int(s["packet_id"])]
        cents = int(s["cents"])
        uid = None if s["user_id"] is None else int(s["user_id"])
        base = [packet.id, packet.total_cents, packet.count, int(s["idx"]), cents]
        yuan = f"{cents // 100}.{cents % 100:02d}"
        rows.append([*base, yuan, *_who(users, uid), _iso(s["claimed_at"])])
    return rows


async def _lotteries(ex: Executor, meeting_id: int) -> Rows:
    header = ["lottery_id", "title", "winners_count", "status", "drawn_at", "eligible_count"]
    rows: Rows = [[*header, "position", "userid", "name"]]
    winners = await winner_rows(ex, meeting_id)
    users = await _users(ex, (w["user_id"] for w in winners))
    for lottery in await list_lotteries(ex, meeting_id):
        base = [lottery.id, safe(lottery.title), lottery.winners_count, lottery.status]
        base += [_iso(lottery.drawn_at), lottery.eligible_count]
        if not lottery.winner_ids:
            rows.append([*base, "", "", ""])
        for pos, uid in enumerate(lottery.winner_ids, start=1):
            rows.append([*base, pos, *_who(users, uid)])
    return rows


async def _chat(ex: Executor, meeting_id: int) -> Rows:
    rows: Rows = [["seq", "ts", "userid", "name", "text"]]
    after = 0
    while True:
        page = await messages_after(ex, meeting_id, after, _CHAT_PAGE)
        users = await _users(ex, (m.user_id for m in page))
        for m in page:
            rows.append([m.seq, _iso(m.created_at), *_who(users, m.user_id), safe(m.text)])
        if len(page) < _CHAT_PAGE:
            return rows
        after = page[-1].seq


_BUILDERS = {
    "polls": _polls,
    "ratings": _ratings,
    "redpackets": _redpackets,
    "lotteries": _lotteries,
    "chat": _chat,
}


def to_csv(rows: Rows) -> bytes:
    """The rows as CSV bytes: UTF-8 with a BOM, CRLF line ends (what Excel expects)."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def export_csv(request: web.Request) -> web.Response:
    """GET /api/meetings/{number}/export.csv?kind=polls|ratings|redpackets|lotteries|chat."""
    meeting, _ = await meeting_for(request, organizer=True)
    kind = request.query.get("kind", "")
    if kind not in _BUILDERS:
        raise bad_request(f"'kind' must be one of {', '.join(KINDS)}")
    body = to_csv(await _BUILDERS[kind](request.app[DB], meeting.id))
    filename = f"meeting-{meeting.number}-{kind}.csv"
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
