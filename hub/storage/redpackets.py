"""Red packets (`red_packet`, `red_packet_share`): pre-split shares, each claimed at most once.

In code a red packet is a `redpacket` everywhere; only the SQL tables (and the `packet_id`
column) keep the older `red_packet`/`packet` spelling, since renaming them needs a migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Database, Executor, IntegrityViolation, Row, placeholders
from hub.storage.helpers import chunks, lock_row
from hub.storage.meetings import MeetingEnded, lock_live_meeting_of

_COLUMNS = "id, meeting_id, total_cents, count, claimed_count, claimed_cents, version, created_at"


@dataclass(frozen=True)
class Claim:
    """A claimed share: who, which share (0-based index), how many cents, when."""

    user_id: int
    index: int
    cents: int
    claimed_at: float


@dataclass(frozen=True)
class Redpacket:
    """A red packet with its claims so far, in claim order."""

    id: int
    meeting_id: int
    total_cents: int
    count: int
    claimed_count: int
    claimed_cents: int
    version: int
    created_at: float
    claims: tuple[Claim, ...]

    @property
    def empty(self) -> bool:
        """True when every share is claimed."""
        return self.claimed_count >= self.count


class AlreadyClaimed(Exception):
    """This attendee already holds a share of the red packet."""


class RedpacketEmpty(Exception):
    """Every share of the red packet is claimed."""


class RedpacketGone(Exception):
    """The organizer deleted the red packet (nobody had claimed from it) as this claim came in."""


def _redpacket(row: Row, claims: Sequence[Claim]) -> Redpacket:
    return Redpacket(
        id=int(row["id"]),
        meeting_id=int(row["meeting_id"]),
        total_cents=int(row["total_cents"]),
        count=int(row["count"]),
        claimed_count=int(row["claimed_count"]),
        claimed_cents=int(row["claimed_cents"]),
        version=int(row["version"]),
        created_at=float(row["created_at"]),
        claims=tuple(claims),
    )


async def create_redpacket(db: Database, meeting_id: int, shares: Sequence[int], now: float) -> int:
    """Insert the red packet and all its shares (split beforehand) in one transaction.

    MeetingEnded when the meeting ended first (the insert reads it: see hub.storage.meetings).
    """
    async with db.transaction() as tx:
        result = await tx.execute(
            "INSERT INTO red_packet (meeting_id, total_cents, count, claimed_count,"
            " claimed_cents, version, created_at) SELECT id, ?, ?, 0, 0, 0, ? FROM meeting"
            " WHERE id = ? AND ended_at IS NULL",
            (sum(shares), len(shares), now, meeting_id),
        )
        if result.rowcount == 0:
            raise MeetingEnded
        if result.lastrowid is None:  # pragma: no cover - both drivers report it
            raise RuntimeError("the database did not report the new red packet's id")
        redpacket_id = int(result.lastrowid)
        rows = [(redpacket_id, i, cents) for i, cents in enumerate(shares)]
        for part in chunks(rows, 500):
            values = ", ".join(["(?, ?, ?)"] * len(part))
            await tx.execute(
                f"INSERT INTO red_packet_share (packet_id, idx, cents) VALUES {values}",
                [v for row in part for v in row],
            )
    return redpacket_id


async def _claims(ex: Executor, ids: Sequence[int]) -> dict[int, list[Claim]]:
    found: dict[int, list[Claim]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await ex.fetchall(
        f"SELECT packet_id, user_id, idx, cents, claimed_at FROM red_packet_share"
        f" WHERE packet_id IN ({placeholders(len(ids))}) AND user_id IS NOT NULL"
        f" ORDER BY packet_id, claimed_at, idx",
        list(ids),
    )
    for r in rows:
        claim = Claim(int(r["user_id"]), int(r["idx"]), int(r["cents"]), float(r["claimed_at"]))
        found[int(r["packet_id"])].append(claim)
    return found


async def get_redpacket(ex: Executor, redpacket_id: int) -> Redpacket | None:
    """The red packet with its claims, or None."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM red_packet WHERE id = ?", (redpacket_id,))
    if row is None:
        return None
    return _redpacket(row, (await _claims(ex, [redpacket_id]))[redpacket_id])


async def list_redpackets(ex: Executor, meeting_id: int) -> list[Redpacket]:
    """The meeting's red packets, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} FROM red_packet WHERE meeting_id = ? ORDER BY id", (meeting_id,)
    )
    claims = await _claims(ex, [int(r["id"]) for r in rows])
    return [_redpacket(r, claims[int(r["id"])]) for r in rows]


async def claim_of(ex: Executor, redpacket_id: int, user_id: int) -> Claim | None:
    """The share this user claimed from the red packet, or None."""
    row = await ex.fetchone(
        "SELECT user_id, idx, cents, claimed_at FROM red_packet_share"
        " WHERE packet_id = ? AND user_id = ?",
        (redpacket_id, user_id),
    )
    if row is None:
        return None
    return Claim(int(row["user_id"]), int(row["idx"]), int(row["cents"]), float(row["claimed_at"]))


async def claim_share(db: Database, redpacket_id: int, user_id: int, now: float) -> Claim:
    """Take one unclaimed share for this user, atomically; AlreadyClaimed or RedpacketEmpty.

    The red packet row is bumped first and only while shares are left: its row lock serializes
    claimers of one red packet, so picking the lowest free share and taking it cannot race, and
    the last share's claim and the empty answer are exact. The same statement reads the meeting
    row (shared lock: hub.storage.meetings), so a claim racing the meeting's end lands before it
    or is refused (MeetingEnded). The unique (packet, user) key refuses a second claim by the
    same person whatever the timing.
    """
    try:
        async with db.transaction() as tx:
            open_ = await tx.execute(
                "UPDATE red_packet SET version = version + 1"
                " WHERE id = ? AND claimed_count < count",
                (redpacket_id,),
            )
            if open_.rowcount == 0:
                # Why, in the one read refusing needs anyway: ended, deleted, or empty.
                ended = await tx.fetchone(
                    "SELECT m.ended_at FROM red_packet p JOIN meeting m ON m.id = p.meeting_id"
                    " WHERE p.id = ?",
                    (redpacket_id,),
                )
                if ended is None:
                    raise RedpacketGone
                if ended["ended_at"] is not None:
                    raise MeetingEnded
                raise RedpacketEmpty
            await lock_live_meeting_of(tx, "red_packet", redpacket_id)
            # The lowest unclaimed share; then a primary-key update, so MySQL locks that one
            # row only (an UPDATE ... ORDER BY ... LIMIT may scan and lock other packets').
            share_id = await tx.fetchval(
                "SELECT id FROM red_packet_share WHERE packet_id = ? AND user_id IS NULL"
                " ORDER BY idx LIMIT 1",
                (redpacket_id,),
            )
            if share_id is None:  # pragma: no cover - the counter says a share is left
                raise RedpacketEmpty
            taken = await tx.execute(
                "UPDATE red_packet_share SET user_id = ?, claimed_at = ?"
                " WHERE id = ? AND user_id IS NULL",
                (user_id, now, share_id),
            )
            if taken.rowcount == 0:  # pragma: no cover - claims of a packet are serialized
                raise RedpacketEmpty
            claim = await claim_of(tx, redpacket_id, user_id)
            if claim is None:  # pragma: no cover - written just above
                raise RuntimeError("the claimed share vanished")
            await tx.execute(
                "UPDATE red_packet SET claimed_count = claimed_count + 1,"
                " claimed_cents = claimed_cents + ? WHERE id = ?",
                (claim.cents, redpacket_id),
            )
    except IntegrityViolation:
        raise AlreadyClaimed from None
    except RedpacketEmpty:
        # Empty for everyone else; one who claimed earlier is told so instead.
        if await claim_of(db, redpacket_id, user_id) is not None:
            raise AlreadyClaimed from None
        raise
    return claim


async def delete_unclaimed_redpacket(tx: Executor, redpacket_id: int) -> bool:
    """In the caller's transaction, delete a red packet nobody claimed from, with all its shares
    (none was paid out, so the whole sum goes back with it); False once a share is claimed
    (nothing changes). The red packet row is locked first, as a claim's is, so a claim either
    lands before or finds it gone."""
    if not await lock_row(tx, "red_packet", redpacket_id):
        return False
    claimed = await tx.fetchval(
        "SELECT 1 FROM red_packet_share WHERE packet_id = ? AND user_id IS NOT NULL LIMIT 1",
        (redpacket_id,),
    )
    if claimed is not None:
        return False
    await tx.execute("DELETE FROM red_packet_share WHERE packet_id = ?", (redpacket_id,))
    await tx.execute("DELETE FROM red_packet WHERE id = ?", (redpacket_id,))
    return True


async def share_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every share of the meeting's red packets, claimed or not (for the CSV export)."""
    return await ex.fetchall(
        "SELECT s.packet_id, s.idx, s.cents, s.user_id, s.claimed_at FROM red_packet_share s"
        " JOIN red_packet p ON p.id = s.packet_id WHERE p.meeting_id = ?"
        " ORDER BY s.packet_id, s.idx",
        (meeting_id,),
    )
