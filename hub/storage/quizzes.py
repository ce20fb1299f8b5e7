"""Quizzes (`quiz`, `quiz_answer`): one question at a time, deadlines kept here, SQL scores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.storage.database import Database, Executor, IntegrityViolation, Row
from hub.storage.helpers import lock_row
from hub.storage.meetings import Meeting, MeetingEnded, lock_live_meeting_of

_COLUMNS = (
    "q.id, q.meeting_id, q.title, q.questions_json, q.question_count, q.current_q, q.phase,"
    " q.started_at, q.deadline, q.status, q.version, q.created_at, q.closed_at"
)
_MEETING_COLUMNS = (
    "m.number AS meeting_number, m.title AS meeting_title, m.organizer_id AS meeting_organizer,"
    " m.created_at AS meeting_created_at, m.ended_at AS meeting_ended_at"
)


@dataclass(frozen=True)
class Question:
    """One question: its options, the indexes of the correct ones, its time limit."""

    text: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    seconds: int


@dataclass(frozen=True)
class Quiz:
    """A quiz: `current` is the running question (-1 before the first); `phase` is "lobby",
    "question" (taking answers until `deadline`), "results" (after it) or "podium" (closed)."""

    id: int
    meeting_id: int
    title: str
    questions: tuple[Question, ...]
    current: int
    phase: str
    started_at: float | None
    deadline: float | None
    status: str
    version: int
    created_at: float
    closed_at: float | None

    @property
    def open(self) -> bool:
        """True until the organizer (or its timer) closes it."""
        return self.status == "open"

    @property
    def scored_before(self) -> int:
        """Questions whose results are out: scores count only these, so a running question's
        answers reveal nothing."""
        return self.current if self.phase == "question" else self.current + 1


class QuizClosed(Exception):
    """The quiz is over (or was already closed)."""


class NotTakingAnswers(Exception):
    """The question is not the running one, or its deadline passed."""


class AlreadyAnswered(Exception):
    """This person answered this question before."""


class NoRunningQuestion(Exception):
    """No question is taking answers now."""


def _questions(raw: str) -> tuple[Question, ...]:
    items: list[dict[str, Any]] = json.loads(raw)
    return tuple(
        Question(str(q["text"]), tuple(q["options"]), tuple(q["correct"]), int(q["seconds"]))
        for q in items
    )


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def _quiz(r: Row) -> Quiz:
    return Quiz(
        id=int(r["id"]),
        meeting_id=int(r["meeting_id"]),
        title=str(r["title"]),
        questions=_questions(str(r["questions_json"])),
        current=int(r["current_q"]),
        phase=str(r["phase"]),
        started_at=_opt(r["started_at"]),
        deadline=_opt(r["deadline"]),
        status=str(r["status"]),
        version=int(r["version"]),
        created_at=float(r["created_at"]),
        closed_at=_opt(r["closed_at"]),
    )


def questions_json(questions: Sequence[Question]) -> str:
    """The stored form of the questions."""
    return json.dumps(
        [
            {"text": q.text, "options": q.options, "correct": q.correct, "seconds": q.seconds}
            for q in questions
        ],
        ensure_ascii=False,
    )


async def create_quiz(
    db: Database, meeting_id: int, title: str, questions: Sequence[Question], now: float
) -> int:
    """Insert a quiz waiting for its first question; its id (409 after the meeting ended)."""
    result = await db.execute(
        "INSERT INTO quiz (meeting_id, title, questions_json, question_count, current_q, phase,"
        " status, version, created_at) SELECT id, ?, ?, ?, -1, 'lobby', 'open', 0, ? FROM meeting"
        " WHERE id = ? AND ended_at IS NULL",
        (title, questions_json(questions), len(questions), now, meeting_id),
    )
    if result.rowcount == 0:
        raise MeetingEnded
    if result.lastrowid is None:  # pragma: no cover - both drivers report it
        raise RuntimeError("the database did not report the new quiz's id")
    return int(result.lastrowid)


async def get_quiz(ex: Executor, quiz_id: int) -> Quiz | None:
    """The quiz, or None (one statement)."""
    row = await ex.fetchone(f"SELECT {_COLUMNS} FROM quiz q WHERE q.id = ?", (quiz_id,))
    return _quiz(row) if row else None


async def get_quiz_in_meeting(ex: Executor, quiz_id: int) -> tuple[Quiz, Meeting] | None:
    """The quiz and its meeting in one statement (an answer reads this before its checks)."""
    row = await ex.fetchone(
        f"SELECT {_COLUMNS}, {_MEETING_COLUMNS} FROM quiz q JOIN meeting m ON m.id = q.meeting_id"
        " WHERE q.id = ?",
        (quiz_id,),
    )
    if row is None:
        return None
    quiz = _quiz(row)
    meeting = Meeting(
        id=quiz.meeting_id,
        number=str(row["meeting_number"]),
        title=str(row["meeting_title"]),
        organizer_id=int(row["meeting_organizer"]),
        created_at=float(row["meeting_created_at"]),
        ended_at=_opt(row["meeting_ended_at"]),
    )
    return quiz, meeting


async def list_quizzes(ex: Executor, meeting_id: int) -> list[Quiz]:
    """The meeting's quizzes, oldest first."""
    rows = await ex.fetchall(
        f"SELECT {_COLUMNS} FROM quiz q WHERE q.meeting_id = ? ORDER BY q.id", (meeting_id,)
    )
    return [_quiz(r) for r in rows]


async def start_question(db: Database, quiz: Quiz, index: int, now: float, deadline: float) -> bool:
    """Start question `index` (the one after `quiz.current`); False when another start won.
    MeetingEnded when the meeting ended first."""
    async with db.transaction() as tx:
        result = await tx.execute(
            "UPDATE quiz SET current_q = ?, phase = 'question', started_at = ?, deadline = ?,"
            " version = version + 1 WHERE id = ? AND status = 'open' AND current_q = ?",
            (index, now, deadline, quiz.id, quiz.current),
        )
        if result.rowcount == 1:
            await lock_live_meeting_of(tx, "quiz", quiz.id)
    return result.rowcount == 1


async def reveal(db: Database, quiz_id: int, index: int, now: float) -> None:
    """End question `index` now (or at its deadline): its results and the scores show.

    NoRunningQuestion when it is not taking answers any more (revealed before, or moved on).
    """
    result = await db.execute(
        "UPDATE quiz SET phase = 'results', deadline = CASE WHEN deadline > ? THEN ? ELSE deadline"
        " END, version = version + 1 WHERE id = ? AND status = 'open' AND phase = 'question'"
        " AND current_q = ?",
        (now, now, quiz_id, index),
    )
    if result.rowcount == 0:
        raise NoRunningQuestion


async def record_answer(
    db: Database,
    quiz_id: int,
    question: int,
    user_id: int,
    options: Sequence[int],
    points: int,
    now: float,
) -> None:
    """Store one answer, in one transaction, only while `question` takes answers.

    The quiz row is bumped first, on the condition that this question runs and its deadline has
    not passed by the server's clock (`now`): its lock orders answers against the reveal and the
    next question, so none lands after either. The primary key refuses a second answer.
    """
    try:
        async with db.transaction() as tx:
            bumped = await tx.execute(
                "UPDATE quiz SET version = version + 1 WHERE id = ? AND status = 'open'"
                " AND phase = 'question' AND current_q = ? AND deadline >= ?",
                (quiz_id, question, now),
            )
            if bumped.rowcount == 0:
                row = await tx.fetchone(
                    "SELECT q.status, m.ended_at FROM quiz q JOIN meeting m ON m.id = q.meeting_id"
                    " WHERE q.id = ?",
                    (quiz_id,),
                )
                if row is not None and row["ended_at"] is not None:
                    raise MeetingEnded
                if row is not None and row["status"] != "open":
                    raise QuizClosed
                raise NotTakingAnswers
            await lock_live_meeting_of(tx, "quiz", quiz_id)
            await tx.execute(
                "INSERT INTO quiz_answer (quiz_id, question, user_id, options, correct, points,"
                " answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    quiz_id,
                    question,
                    user_id,
                    ",".join(map(str, options)),
                    int(points > 0),
                    points,
                    now,
                ),
            )
    except IntegrityViolation:
        raise AlreadyAnswered from None


async def close_quiz(db: Database, quiz_id: int, now: float) -> None:
    """End the quiz: the podium shows; QuizClosed when it already ended."""
    result = await db.execute(
        "UPDATE quiz SET status = 'closed', phase = 'podium', closed_at = ?,"
        " deadline = CASE WHEN deadline > ? THEN ? ELSE deadline END, version = version + 1"
        " WHERE id = ? AND status = 'open'",
        (now, now, now, quiz_id),
    )
    if result.rowcount == 0:
        raise QuizClosed


async def delete_unused_quiz(tx: Executor, quiz_id: int) -> bool:
    """In the caller's transaction, delete a quiz nobody answered (started or not); False when
    someone has (nothing changes). The quiz row is locked first, as an answer's is, so an answer
    either lands before or finds it gone."""
    if not await lock_row(tx, "quiz", quiz_id):
        return False
    answered = await tx.fetchval("SELECT 1 FROM quiz_answer WHERE quiz_id = ? LIMIT 1", (quiz_id,))
    if answered is not None:
        return False
    await tx.execute("DELETE FROM quiz WHERE id = ?", (quiz_id,))
    return True


async def scores(ex: Executor, quiz_id: int, before: int) -> list[Row]:
    """Everyone who answered a question before index `before`: userid, name, score; best first."""
    return await ex.fetchall(
        "SELECT a.user_id, u.userid, u.name, SUM(a.points) AS score, SUM(a.correct) AS right_n"
        " FROM quiz_answer a JOIN app_user u ON u.id = a.user_id"
        " WHERE a.quiz_id = ? AND a.question < ?"
        " GROUP BY a.user_id, u.userid, u.name ORDER BY score DESC, u.userid",
        (quiz_id, before),
    )


async def distribution(ex: Executor, quiz_id: int, question: int) -> list[Row]:
    """How many gave each set of options to `question` (`options` as "0,2")."""
    return await ex.fetchall(
        "SELECT options, COUNT(*) AS n FROM quiz_answer WHERE quiz_id = ? AND question = ?"
        " GROUP BY options",
        (quiz_id, question),
    )


# The questions whose results are out (Quiz.scored_before), in SQL.
_SCORED = "a.question < CASE WHEN q.phase = 'question' THEN q.current_q ELSE q.current_q + 1 END"


async def scores_of(ex: Executor, quiz_ids: Sequence[int]) -> dict[int, list[Row]]:
    """`scores` of several quizzes in one statement, by quiz."""
    found: dict[int, list[Row]] = {i: [] for i in quiz_ids}
    if not quiz_ids:
        return found
    marks = ", ".join("?" * len(quiz_ids))
    rows = await ex.fetchall(
        "SELECT a.quiz_id, a.user_id, u.userid, u.name, SUM(a.points) AS score,"
        " SUM(a.correct) AS right_n FROM quiz_answer a JOIN app_user u ON u.id = a.user_id"
        f" JOIN quiz q ON q.id = a.quiz_id WHERE a.quiz_id IN ({marks}) AND {_SCORED}"
        " GROUP BY a.quiz_id, a.user_id, u.userid, u.name ORDER BY a.quiz_id, score DESC, u.userid",
        list(quiz_ids),
    )
    for r in rows:
        found[int(r["quiz_id"])].append(r)
    return found


async def distributions_of(ex: Executor, quiz_ids: Sequence[int]) -> dict[int, list[Row]]:
    """`distribution` of each quiz's running (or last) question, in one statement, by quiz."""
    found: dict[int, list[Row]] = {i: [] for i in quiz_ids}
    if not quiz_ids:
        return found
    marks = ", ".join("?" * len(quiz_ids))
    rows = await ex.fetchall(
        "SELECT a.quiz_id, a.options, COUNT(*) AS n FROM quiz_answer a"
        f" JOIN quiz q ON q.id = a.quiz_id AND a.question = q.current_q"
        f" WHERE a.quiz_id IN ({marks}) GROUP BY a.quiz_id, a.options",
        list(quiz_ids),
    )
    for r in rows:
        found[int(r["quiz_id"])].append(r)
    return found


async def my_answers(ex: Executor, quiz_ids: Sequence[int], user_id: int) -> list[Row]:
    """This user's answers in these quizzes: quiz, question, options, points."""
    if not quiz_ids:
        return []
    marks = ", ".join("?" * len(quiz_ids))
    return await ex.fetchall(
        f"SELECT quiz_id, question, options, points FROM quiz_answer WHERE user_id = ?"
        f" AND quiz_id IN ({marks}) ORDER BY quiz_id, question",
        (user_id, *quiz_ids),
    )


async def answer_rows(ex: Executor, meeting_id: int) -> list[Row]:
    """Every answer in the meeting's quizzes (for the CSV export)."""
    return await ex.fetchall(
        "SELECT a.quiz_id, a.question, a.user_id, a.options, a.correct, a.points, a.answered_at"
        " FROM quiz_answer a JOIN quiz q ON q.id = a.quiz_id WHERE q.meeting_id = ?"
        " ORDER BY a.quiz_id, a.question, a.answered_at, a.user_id",
        (meeting_id,),
    )
