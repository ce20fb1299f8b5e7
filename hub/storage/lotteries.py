"""Lotteries (`lottery`, `lottery_winner`): a draw among attendees, persisted exactly once."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Database, Executor, Row, placeholders
from hub.storage.meetings import MeetingEnded

_COLUMNS = (
    "id, meeting_id, title, winners_count, exclude_previous_winners, include_organizer,"
    " status, eligible_count, version, created_at, drawn_at"
)


@dataclass(frozen=True)
class Lottery:
    """A lottery; `winner_ids` are the latest draw's winners in draw order (empty until drawn),
    `draws` every draw's winners, oldest first (a re-draw excludes earlier winners)."""

    id: int
    meeting_id: int
    title: str
    winners_count: int
    exclude_previous_winners: bool
    include_organizer: bool
    status: str
    eligible_count: int | None
    version: int
    created_at: float
    drawn_at: float | None
    winner_ids: tuple[int, ...]
    draws: tuple[tuple[int, ...], ...] = ()

    @property
    def drawn(self) -> bool:
        """True once the winners are stored (it may have been closed since)."""
        return self.drawn_at is not None


class NotEnoughEligible(Exception):
    """Fewer eligible attendees than winners asked for."""

    def __init__(self, eligible: int) -> None:
        super().__init__(f"only {eligible} eligible attendees")
        self.eligible = eligible


def _lottery(row: Row, draws: Sequence[Sequence[int]]) -> Lottery:
    drawn = row["drawn_at"]
    eligible = row["eligible_count"]
    return Lottery(
        id=int(row["id"]),
        meeting_id=int(row["meeting_id"]),
        title=str(row["title"]),
        winners_count=int(row["winners_count"]),
        exclude_previous_winners=bool(row["exclude_previous_winners"]),
        include_organizer=bool(row["include_organizer"]),
        status=str(row["status"]),
        eligible_count=None if eligible is None else int(eligible),
        version=int(row["version"]),
        created_at=float(row["created_at"]),
        drawn_at=None if drawn is None else float(drawn),
        winner_ids=tuple(draws[-1]) if draws else (),
        draws=tuple(tuple(d) for d in draws),
    )


def _eligible_sql(*, include_organizer: bool, exclude_previous_winners: bool) -> str:
    """How many could win a new lottery of meeting `m` now, as a subquery (no parameters)."""
    sql = "SELECT COUNT(*) FROM attendee a WHERE a.meeting_id = m.id"
    if not include_organizer:
        sql += " AND a.user_id <> m.organizer_id"
    if exclude_previous_winners:
        sql += (
            " AND a.user_id NOT IN (SELECT w.user_id FROM lottery_winner w"
            " JOIN lottery l ON l.id = w.lottery_id WHERE l.meeting_id = m.id)"
        )
    return sql


async def create_lottery(
    db: Database,
    meeting_id: int,
    title: str,
    winners_count: int,
    *,
    exclude_previous_winners: bool,
    include_organizer: bool,
    now: float,
) -> int:
    """Insert an open lottery; returns its id (MeetingEnded once the meeting ended).

    One that could not be drawn now is refused (NotEnoughEligible), unless nobody but the
    organizer has joined yet (prepared ahead: its draw says why, if still short). The check
    rides on the insert, so a created lottery costs no statement more.
    """
    eligible = _eligible_sql(
        include_organizer=include_organizer, exclude_previous_winners=exclude_previous_winners
    )
    result = await db.execute(
        "INSERT INTO lottery (meeting_id, title, winners_count, exclude_previous_winners,"
        " include_organizer, status, version, created_at)"
        " SELECT m.id, ?, ?, ?, ?, 'open', 0, ? FROM meeting m"
        " WHERE m.id = ? AND m.ended_at IS NULL"
        " AND (NOT EXISTS (SELECT 1 FROM attendee x WHERE x.meeting_id = m.id"
        f" AND x.user_id <> m.organizer_id) OR ({eligible}) >= ?)",
        (
            title,
            winners_count,
            int(exclude_previous_winners),
            int(include_organizer),
            now,
            meeting_id,
            winners_count,
        ),
    )
    if result.rowcount == 0:
        ended = await db.fetchval("SELECT ended_at FROM meeting WHERE id = ?", (meeting_id,))
        if ended is not None:
            raise MeetingEnded
        count = await db.fetchval(
            f"SELECT ({eligible}) FROM meeting m WHERE m.id = ?", (meeting_id,)
        )
        raise NotEnoughEligible(int(count or 0))
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new lottery's id")
    return int(result.lastrowid)


async def _winners(ex: Executor, ids: Sequence[int]) -> dict[int, list[list[int]]]:
    """Each lottery's draws: the winners of each, in draw order."""
    found: dict[int, dict[int, list[int]]] = {i: {} for i in ids}
    if not ids:
        return {}
    rows = await ex.fetchall(
        f"SELECT lottery_id, user_id, draw FROM lottery_winner"
        f" WHERE lottery_id IN ({placeholders(len(ids))}) ORDER BY lottery_id, position",
        list(ids),
    )
    for r in rows:
        found[int(r["lottery_id"])].setdefault(int(r["draw"]), []).append(int(r["user_id"]))
    return {i: [draws[n] for n in sorted(draws)] for i, draws in found.items()}


async def get_lottery(ex: Executor, lottery_id: int) -> Lottery | None:
    """The lottery with its winners, or None."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM lottery WHERE id = ?", (lottery_id,))
    if row is None:
        return None
    return _lottery(row, (await _winners(ex, [lottery_id]))[lottery_id])


async def list_lotteries(ex: Executor, meeting_id: int) -> list[Lottery]:
    """The meeting's lotteries, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} FROM lottery WHERE meeting_id = ? ORDER BY id", (meeting_id,)
    )
    winners = await _winners(ex, [int(r["id"]) for r in rows])
    return [_lottery(r, winners[int(r["id"])]) for r in rows]


async def eligible_ids(ex: Executor, lottery: Lottery, organizer_id: int) -> list[int]:
    """Who the lottery would draw from now: attendees, minus the organizer unless included,
    minus winners of the meeting's other lotteries when it excludes previous winners, minus
    its own winners (a re-draw never picks an earlier winner)."""
    sql = "SELECT a.user_id FROM attendee a WHERE a.meeting_id = ?"
    params: list[int] = [lottery.meeting_id]
    if not lottery.include_organizer:
        sql += " AND a.user_id <> ?"
        params.append(organizer_id)
    if lottery.exclude_previous_winners:
        sql += (
            " AND a.user_id NOT IN (SELECT w.user_id FROM lottery_winner w"
            " JOIN lottery l ON l.id = w.lottery_id WHERE l.meeting_id = ? AND l.id <> ?)"
        )
        params += [lottery.meeting_id, lottery.id]
    sql += " AND a.user_id NOT IN (SELECT w.user_id FROM lottery_winner w WHERE w.lottery_id = ?)"
    params.append(lottery.id)
    rows = await ex.fetchall(sql + " ORDER BY a.user_id", params)
    return [int(r["user_id"]) for r in rows]


async def draw_lottery(db: Database, lottery: Lottery, organizer_id: int, now: float) -> bool:
    """Draw and store the winners once; False when another draw got there first.

    The conditional status update takes the lottery row's lock, so a concurrent second draw
    waits and then finds it drawn. The meeting row is locked first (on MySQL exclusively, so
    two different lotteries of one meeting never draw at once and "previous winners" is exact;
    SQLite's write transactions are serialized anyway), and an ended meeting refuses the draw
    (MeetingEnded: see hub.storage.meetings). Raises NotEnoughEligible (nothing stored).
    """
    async with db.transaction() as tx:
        lock = " FOR UPDATE" if tx.dialect == "mysql" else ""
        ended = await tx.fetchone(
            f"SELECT ended_at FROM meeting WHERE id = ?{lock}", (lottery.meeting_id,)
        )
        if ended is None or ended["ended_at"] is not None:
            raise MeetingEnded
        pool = await eligible_ids(tx, lottery, organizer_id)
        if len(pool) < lottery.winners_count:
            if await _is_drawn(tx, lottery.id):
                return False
            raise NotEnoughEligible(len(pool))
        taken = await tx.execute(
            "UPDATE lottery SET status = 'drawn', drawn_at = ?, eligible_count = ?,"
            " version = version + 1 WHERE id = ? AND status = 'open'",
            (now, len(pool), lottery.id),
        )
        if taken.rowcount == 0:
            return False
        winners = secrets.SystemRandom().sample(pool, lottery.winners_count)
        await tx.executemany(
            "INSERT INTO lottery_winner (lottery_id, user_id, position) VALUES (?, ?, ?)",
            [(lottery.id, uid, pos) for pos, uid in enumerate(winners)],
        )
    return True


async def redraw_lottery(db: Database, lottery: Lottery, organizer_id: int, now: float) -> bool:
    """Draw a drawn lottery again among those who have not won it (nor, when it excludes
    previous winners, another lottery); earlier draws stay. False when the lottery moved on
    meanwhile (a concurrent re-draw: its version changed). Raises NotEnoughEligible."""
    async with db.transaction() as tx:
        lock = " FOR UPDATE" if tx.dialect == "mysql" else ""
        ended = await tx.fetchone(
            f"SELECT ended_at FROM meeting WHERE id = ?{lock}", (lottery.meeting_id,)
        )
        if ended is None or ended["ended_at"] is not None:
            raise MeetingEnded
        taken = await tx.execute(
            "UPDATE lottery SET drawn_at = ?, version = version + 1"
            " WHERE id = ? AND status = 'drawn' AND version = ?",
            (now, lottery.id, lottery.version),
        )
        if taken.rowcount == 0:
            return False
        pool = await eligible_ids(tx, lottery, organizer_id)
        if len(pool) < lottery.winners_count:
            raise NotEnoughEligible(len(pool))  # the transaction rolls the version back
        await tx.execute(
            "UPDATE lottery SET eligible_count = ? WHERE id = ?", (len(pool), lottery.id)
        )
        last = await tx.fetchone(
            "SELECT MAX(draw) AS draw, MAX(position) AS position FROM lottery_winner"
            " WHERE lottery_id = ?",
            (lottery.id,),
        )
        draw = int(last["draw"] or 0) + 1 if last else 1
        start = int(last["position"] or 0) + 1 if last else 0
        winners = secrets.SystemRandom().sample(pool, lottery.winners_count)
        await tx.executemany(
            "INSERT INTO lottery_winner (lottery_id, user_id, position, draw) VALUES (?, ?, ?, ?)",
            [(lottery.id, uid, start + pos, draw) for pos, uid in enumerate(winners)],
        )
    return True


async def close_lottery(db: Database, lottery_id: int) -> bool:
    """Close a lottery: one never drawn is given up, a drawn one keeps its winners and takes no
    more re-draws; False when it was closed already."""
    result = await db.execute(
        "UPDATE lottery SET status = 'closed', version = version + 1"
        " WHERE id = ? AND status IN ('open', 'drawn')",
        (lottery_id,),
    )
    return result.rowcount > 0


async def delete_unused_lottery(tx: Executor, lottery_id: int) -> bool:
    """In the caller's transaction, delete a lottery never drawn; False when it was drawn (its
    winners are a record). The lottery row is locked first, as a draw's is."""
    lock = " FOR UPDATE" if tx.dialect == "mysql" else ""
    row = await tx.fetchone(f"SELECT drawn_at FROM lottery WHERE id = ?{lock}", (lottery_id,))
    if row is None or row["drawn_at"] is not None:
        return False
    await tx.execute("DELETE FROM lottery WHERE id = ?", (lottery_id,))
    return True


async def _is_drawn(ex: Executor, lottery_id: int) -> bool:
    status = await ex.fetchval("SELECT status FROM lottery WHERE id = ?", (lottery_id,))
    return bool(status == "drawn")


async def winner_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every winner of the meeting's lotteries (for the CSV export)."""
    return await ex.fetchall(
        "SELECT w.lottery_id, w.user_id, w.position, w.draw FROM lottery_winner w"
        " JOIN lottery l ON l.id = w.lottery_id WHERE l.meeting_id = ?"
        " ORDER BY w.lottery_id, w.position",
        (meeting_id,),
    )
