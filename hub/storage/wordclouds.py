"""Word clouds (`wordcloud`, `wordcloud_entry`): normalised words, each person's counted once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.storage.database import Database, Executor, Row, placeholders
from hub.storage.helpers import insert_ignore_sql, lock_row
from hub.storage.meetings import MeetingEnded, lock_live_meeting_of, refuse_if_ended

_COLUMNS = (
    "c.id, c.meeting_id, c.prompt, c.max_entries, c.status, c.version, c.created_at, c.closed_at,"
    # How many people gave words, in the same statement (a read stays at two statements).
    " (SELECT COUNT(DISTINCT e.user_id) FROM wordcloud_entry e WHERE e.wordcloud_id = c.id)"
    " AS people"
)


@dataclass(frozen=True)
class WordCloud:
    """A word cloud and its counts (normalised word -> people), in order of first appearance."""

    id: int
    meeting_id: int
    prompt: str
    max_entries: int
    status: str
    version: int
    created_at: float
    closed_at: float | None
    counts: tuple[tuple[str, int], ...]
    people: int

    @property
    def open(self) -> bool:
        """True until it is closed."""
        return self.status == "open"


class CloudClosed(Exception):
    """The cloud takes no more words (or was already closed)."""


class TooManyWords(Exception):
    """The words would take this person past the cloud's `max_entries`."""

    def __init__(self, left: int) -> None:
        super().__init__(left)
        self.left = left


def _cloud(row: Row, counts: Sequence[tuple[str, int]], people: int) -> WordCloud:
    closed = row["closed_at"]
    return WordCloud(
        id=int(row["id"]),
        meeting_id=int(row["meeting_id"]),
        prompt=str(row["prompt"]),
        max_entries=int(row["max_entries"]),
        status=str(row["status"]),
        version=int(row["version"]),
        created_at=float(row["created_at"]),
        closed_at=None if closed is None else float(closed),
        counts=tuple(counts),
        people=people,
    )


async def create_wordcloud(
    db: Database, meeting_id: int, prompt: str, max_entries: int, now: float
) -> int:
    """Insert an open cloud; returns its id (409 meeting_ended once the meeting ended)."""
    result = await db.execute(
        "INSERT INTO wordcloud (meeting_id, prompt, max_entries, status, version, created_at)"
        " SELECT id, ?, ?, 'open', 0, ? FROM meeting WHERE id = ? AND ended_at IS NULL",
        (prompt, max_entries, now, meeting_id),
    )
    if result.rowcount == 0:
        raise MeetingEnded
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new word cloud's id")
    return int(result.lastrowid)


async def _counts(ex: Executor, ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
    found: dict[int, list[tuple[str, int]]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await ex.fetchall(
        f"SELECT wordcloud_id, word, COUNT(*) AS n, MIN(id) AS first_id FROM wordcloud_entry"
        f" WHERE wordcloud_id IN ({placeholders(len(ids))})"
        f" GROUP BY wordcloud_id, word ORDER BY wordcloud_id, first_id",
        list(ids),
    )
    for r in rows:
        found[int(r["wordcloud_id"])].append((str(r["word"]), int(r["n"])))
    return found


async def _build(ex: Executor, rows: Sequence[Row]) -> list[WordCloud]:
    counts = await _counts(ex, [int(r["id"]) for r in rows])
    return [_cloud(r, counts[int(r["id"])], int(r["people"])) for r in rows]


async def get_wordcloud(ex: Executor, cloud_id: int) -> WordCloud | None:
    """The cloud with its counts, or None."""
    rows = await ex.fetchall(f"SELECT {_COLUMNS} FROM wordcloud c WHERE c.id = ?", (cloud_id,))
    found = await _build(ex, rows)
    return found[0] if found else None


async def list_wordclouds(ex: Executor, meeting_id: int) -> list[WordCloud]:
    """The meeting's clouds, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} FROM wordcloud c WHERE c.meeting_id = ? ORDER BY c.id", (meeting_id,)
    )
    return await _build(ex, rows)


async def add_words(
    db: Database, cloud_id: int, user_id: int, words: Sequence[str], now: float
) -> list[str]:
    """Add this person's (normalised, distinct) words; returns all their words after.

    The cloud row is bumped first: its lock orders one person's concurrent submissions (the
    count of their words stays within `max_entries`) and its `status` condition refuses words
    after the close. A word the person gave before is skipped (the unique key), so it counts
    once; the rest must fit in what is left, or nothing is stored (TooManyWords).
    """
    async with db.transaction() as tx:
        bumped = await tx.execute(
            "UPDATE wordcloud SET version = version + 1 WHERE id = ? AND status = 'open'",
            (cloud_id,),
        )
        if bumped.rowcount == 0:
            await refuse_if_ended(tx, "wordcloud", cloud_id)
            raise CloudClosed
        await lock_live_meeting_of(tx, "wordcloud", cloud_id)
        cap = int(await tx.fetchval("SELECT max_entries FROM wordcloud WHERE id = ?", (cloud_id,)))
        mine = await _words_of(tx, cloud_id, user_id)
        new = [w for w in words if w not in mine]
        if len(mine) + len(new) > cap:
            raise TooManyWords(cap - len(mine))
        sql = insert_ignore_sql(
            tx.dialect, "wordcloud_entry", ("wordcloud_id", "user_id", "word", "created_at")
        )
        for word in new:
            await tx.execute(sql, (cloud_id, user_id, word, now))
        return [*mine, *new]


async def _words_of(ex: Executor, cloud_id: int, user_id: int) -> list[str]:
    rows = await ex.fetchall(
        "SELECT word FROM wordcloud_entry WHERE wordcloud_id = ? AND user_id = ? ORDER BY id",
        (cloud_id, user_id),
    )
    return [str(r["word"]) for r in rows]


async def my_words(ex: Executor, cloud_ids: Sequence[int], user_id: int) -> dict[int, list[str]]:
    """This user's words by cloud (clouds they gave none to are left out)."""
    if not cloud_ids:
        return {}
    rows = await ex.fetchall(
        f"SELECT wordcloud_id, word FROM wordcloud_entry WHERE user_id = ?"
        f" AND wordcloud_id IN ({placeholders(len(cloud_ids))}) ORDER BY id",
        (user_id, *cloud_ids),
    )
    found: dict[int, list[str]] = {}
    for r in rows:
        found.setdefault(int(r["wordcloud_id"]), []).append(str(r["word"]))
    return found


async def close_wordcloud(db: Database, cloud_id: int, now: float) -> None:
    """Close an open cloud; CloudClosed when it already was."""
    result = await db.execute(
        "UPDATE wordcloud SET status = 'closed', closed_at = ?, version = version + 1"
        " WHERE id = ? AND status = 'open'",
        (now, cloud_id),
    )
    if result.rowcount == 0:
        raise CloudClosed


async def delete_unused_wordcloud(tx: Executor, cloud_id: int) -> bool:
    """In the caller's transaction, delete a word cloud nobody gave a word to; False when someone
    has (nothing changes). The cloud row is locked first, as a submission's is, so words either
    land before or find it gone."""
    if not await lock_row(tx, "wordcloud", cloud_id):
        return False
    given = await tx.fetchval(
        "SELECT 1 FROM wordcloud_entry WHERE wordcloud_id = ? LIMIT 1", (cloud_id,)
    )
    if given is not None:
        return False
    await tx.execute("DELETE FROM wordcloud WHERE id = ?", (cloud_id,))
    return True


async def entry_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every word given in the meeting's clouds, with who and when (for the CSV export)."""
    return await ex.fetchall(
        "SELECT e.wordcloud_id, e.word, e.user_id, e.created_at FROM wordcloud_entry e"
        " JOIN wordcloud c ON c.id = e.wordcloud_id WHERE c.meeting_id = ?"
        " ORDER BY e.wordcloud_id, e.id",
        (meeting_id,),
    )
