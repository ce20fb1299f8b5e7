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
    """A lottery; `winner_ids` are in draw order and empty until drawn."""

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

    @property
    def drawn(self) -> bool:
        """True once the winners are stored."""
        return self.status == "drawn"


class NotEnoughEligible(Exception):
    """Fewer eligible attendees than winners asked for."""

    def __init__(self, eligible: int) -> None:
        super().__init__(f"only {eligible} eligible attendees")
        self.eligible = eligible


def _lottery(row: Row, winners: Sequence[int]) -> Lottery:
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
        winner_ids=tuple(winners),
    )


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
    """Insert an open lottery; returns its id (MeetingEnded once the meeting ended)."""
    result = await db.execute(
        "INSERT INTO lottery (meeting_id, title, winners_count, exclude_previous_winners,"
        " include_organizer, status, version, created_at)"
        " SELECT id, ?, ?, ?, ?, 'open', 0, ? FROM meeting WHERE id = ? AND ended_at IS NULL",
        (
            title,
            winners_count,
            int(exclude_previous_winners),
            int(include_organizer),
            now,
            meeting_id,
        ),
    )
    if result.rowcount == 0:
        raise MeetingEnded
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new lottery's id")
    return int(result.lastrowid)


async def _winners(ex: Executor, ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await ex.fetchall(
        f"SELECT lottery_id, user_id FROM lottery_winner"
        f" WHERE lottery_id IN ({placeholders(len(ids))}) ORDER BY lottery_id, position",
        list(ids),
    )
    for r in rows:
        found[int(r["lottery_id"])].append(int(r["user_id"]))
    return found


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
    minus winners of the meeting's other lotteries when it excludes previous winners."""
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


async def _is_drawn(ex: Executor, lottery_id: int) -> bool:
    status = await ex.fetchval("SELECT status FROM lottery WHERE id = ?", (lottery_id,))
    return bool(status == "drawn")


async def winner_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every winner of the meeting's lotteries (for the CSV export)."""
    return await ex.fetchall(
        "SELECT w.lottery_id, w.user_id, w.position FROM lottery_winner w"
        " JOIN lottery l ON l.id = w.lottery_id WHERE l.meeting_id = ?"
        " ORDER BY w.lottery_id, w.position",
        (meeting_id,),
    )
