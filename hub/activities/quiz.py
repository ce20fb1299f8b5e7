"""Quizzes: the organizer starts each question; the server keeps its deadline and the scores.

Points (docs/activities.md): a correct answer (exactly the correct options) given `t` seconds
into a question of `T` seconds earns `500 + round(500 * (1 - t / T))`, so 1,000 at once and 500
at the deadline; a wrong one earns 0. An answer after the deadline, by the server's clock, is
refused whatever the phone's clock says. A question's results (its answer distribution and the
scores including it) show once it ends: at its deadline (a timed `reveal`) or earlier by hand.
"""

from __future__ import annotations

from typing import Any

from hub.activities.cells import iso, safe, users_of, who
from hub.activities.kind import ActionContext, ActivityKind, Json, Outcome, Rows, closed
from hub.activities.timers import schedule_action
from hub.clock import iso_ts
from hub.errors import bad_request, conflict
from hub.storage import quizzes
from hub.storage.database import Executor
from hub.storage.meetings import Meeting
from hub.storage.quizzes import Question, Quiz
from hub.validate import int_field, text_field

MAX_QUESTIONS = 50
MIN_OPTIONS, MAX_OPTIONS = 2, 6
MIN_SECONDS, MAX_SECONDS = 5, 300
TOP = 10
FULL_POINTS = 1000
BASE_POINTS = 500


def _question(raw: Any, n: int) -> Question:
    if not isinstance(raw, dict):
        raise bad_request(f"question {n} must be an object", "bad_question")
    text = text_field(raw, "text", max_len=300)
    options = raw.get("options")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise bad_request(
            f"question {n} needs {MIN_OPTIONS} to {MAX_OPTIONS} options", "bad_question"
        )
    labels = []
    for item in options:
        if not isinstance(item, str) or not 1 <= len(item.strip()) <= 100:
            raise bad_request("each option must be a string of 1 to 100 characters", "bad_question")
        labels.append(item.strip())
    correct = raw.get("correct")
    if (
        not isinstance(correct, list)
        or not correct
        or any(isinstance(c, bool) or not isinstance(c, int) for c in correct)
        or len(set(correct)) != len(correct)
        or not all(0 <= c < len(labels) for c in correct)
    ):
        raise bad_request(
            f"question {n}: 'correct' must list the indexes of its correct options", "bad_question"
        )
    seconds = int_field(raw, "seconds", lo=MIN_SECONDS, hi=MAX_SECONDS, default=20)
    return Question(text, tuple(labels), tuple(sorted(correct)), seconds)


def new_quiz(body: Json) -> tuple[str, tuple[Question, ...]]:
    """`{"title", "questions": [{"text", "options", "correct": [index], "seconds"}]}`."""
    title = text_field(body, "title", max_len=200)
    raw = body.get("questions")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_QUESTIONS:
        raise bad_request(f"'questions' must be a list of 1 to {MAX_QUESTIONS}", "bad_question")
    return title, tuple(_question(q, n) for n, q in enumerate(raw))


def points_for(question: Question, chosen: list[int], started_at: float, now: float) -> int:
    """The points of an answer (see the module docstring)."""
    if tuple(sorted(chosen)) != question.correct:
        return 0
    elapsed = min(max(now - started_at, 0.0), float(question.seconds))
    return BASE_POINTS + round((FULL_POINTS - BASE_POINTS) * (1 - elapsed / question.seconds))


def ranked(rows: list[Any]) -> list[Json]:
    """The leaderboard: `{"userid", "name", "score", "rank"}`, best first; equal scores share a
    rank and the next rank skips (1, 2, 2, 4)."""
    board: list[Json] = []
    for i, r in enumerate(rows):
        score = int(r["score"])
        rank = board[-1]["rank"] if board and board[-1]["score"] == score else i + 1
        board.append(
            {"userid": str(r["userid"]), "name": str(r["name"]), "score": score, "rank": rank}
        )
    return board


def _question_json(quiz: Quiz, revealed: bool) -> Json | None:
    if quiz.current < 0:
        return None
    q = quiz.questions[quiz.current]
    return {
        "index": quiz.current,
        "text": q.text,
        "options": list(q.options),
        "seconds": q.seconds,
        "started_at": quiz.started_at,
        "deadline": quiz.deadline,
        "correct": list(q.correct) if revealed else None,
    }


def _distribution(quiz: Quiz, rows: list[Any]) -> list[int]:
    counts = [0] * len(quiz.questions[quiz.current].options)
    for r in rows:
        for part in str(r["options"]).split(","):
            if part.isdigit() and int(part) < len(counts):
                counts[int(part)] += int(r["n"])
    return counts


def quiz_json(quiz: Quiz, dist_rows: list[Any], score_rows: list[Any]) -> Json:
    """The payload: the running question (its correct options once it ended), how many
    answered it, its distribution once it ended, the leaderboard of ended questions, the top
    10 and, at the end, the podium."""
    revealed = quiz.phase != "question"
    board = ranked(score_rows)
    answered = sum(int(r["n"]) for r in dist_rows)
    return {
        "id": quiz.id,
        "title": quiz.title,
        "status": quiz.status,
        "phase": quiz.phase,
        "question_count": len(quiz.questions),
        "question": _question_json(quiz, revealed),
        "answered": answered,
        "distribution": _distribution(quiz, dist_rows) if quiz.current >= 0 and revealed else None,
        "leaderboard": board,
        "top": board[:TOP],
        "podium": board[:3] if not quiz.open else None,
        "my_answer": None,
        "my_score": None,
        "created_at": iso_ts(quiz.created_at),
        "closed_at": iso_ts(quiz.closed_at),
        "version": quiz.version,
    }


async def create(ctx: ActionContext, spec: tuple[str, tuple[Question, ...]]) -> int:
    """Store a new quiz, waiting for the organizer's first `next`."""
    title, questions = spec
    return await quizzes.create_quiz(ctx.db, ctx.meeting.id, title, questions, ctx.now)


async def payload(ex: Executor, quiz: Quiz, meeting: Meeting) -> Json:
    """The broadcast form: the distribution and the scores in two reads."""
    del meeting
    dist = await quizzes.distribution(ex, quiz.id, quiz.current) if quiz.current >= 0 else []
    return quiz_json(quiz, dist, await quizzes.scores(ex, quiz.id, quiz.scored_before))


def _mine(quiz: Quiz, rows: list[Any]) -> Json:
    answer = next((r for r in rows if int(r["question"]) == quiz.current), None)
    scored = [r for r in rows if int(r["question"]) < quiz.scored_before]
    return {
        "my_answer": [int(p) for p in str(answer["options"]).split(",")] if answer else None,
        "my_score": sum(int(r["points"]) for r in scored),
    }


async def mine(ex: Executor, quiz: Quiz, viewer_id: int) -> Json:
    """This viewer's answer to the running question and their score of ended questions (their
    rank is their entry in `leaderboard`)."""
    return _mine(quiz, await quizzes.my_answers(ex, [quiz.id], viewer_id))


async def listing(ex: Executor, meeting_id: int, viewer_id: int) -> list[Json]:
    """The meeting's quizzes as this viewer sees them."""
    found = await quizzes.list_quizzes(ex, meeting_id)
    ids = [q.id for q in found]
    answers = await quizzes.my_answers(ex, ids, viewer_id)
    dists = await quizzes.distributions_of(ex, ids)
    scores = await quizzes.scores_of(ex, ids)
    out = []
    for quiz in found:
        own = [r for r in answers if int(r["quiz_id"]) == quiz.id]
        out.append({**quiz_json(quiz, dists[quiz.id], scores[quiz.id]), **_mine(quiz, own)})
    return out


async def csv_rows(ex: Executor, meeting_id: int) -> Rows:
    """One row per answer, with its points (a quiz nobody answered gets one empty row)."""
    header = ["quiz_id", "title", "status", "question", "text", "options", "correct", "points"]
    rows: Rows = [[*header, "userid", "name", "answered_at"]]
    answers = await quizzes.answer_rows(ex, meeting_id)
    users = await users_of(ex, (a["user_id"] for a in answers))
    found = {q.id: q for q in await quizzes.list_quizzes(ex, meeting_id)}
    for a in answers:
        quiz = found[int(a["quiz_id"])]
        q = int(a["question"])
        base = [quiz.id, safe(quiz.title), quiz.status, q, safe(quiz.questions[q].text)]
        base += [str(a["options"]), int(a["correct"]), int(a["points"])]
        rows.append([*base, *who(users, int(a["user_id"])), iso(a["answered_at"])])
    answered = {int(a["quiz_id"]) for a in answers}
    for quiz in found.values():
        if quiz.id not in answered:
            rows.append([quiz.id, safe(quiz.title), quiz.status, "", "", "", "", "", "", "", ""])
    return rows


QUIZ = ActivityKind(
    name="quiz",
    plural="quizzes",
    label="quiz",
    parse=new_quiz,
    create=create,
    load=quizzes.get_quiz,
    # An answer reads the quiz and its meeting in one statement (answers are the hot path).
    load_in_meeting=quizzes.get_quiz_in_meeting,
    payload=payload,
    mine=mine,
    listing=listing,
    csv_rows=csv_rows,
    example_body={
        "title": "Warm-up",
        "questions": [{"text": "2 + 2?", "options": ["3", "4"], "correct": [1], "seconds": 30}],
    },
    # Nobody answered, even once questions ran: the organizer's starts alone are no one's record.
    remove=quizzes.delete_unused_quiz,
)


@QUIZ.action("next", event="question", organizer=True)
async def next_question(ctx: ActionContext, quiz: Quiz) -> Outcome | None:
    """Start the next question (its results show at its deadline); after the last, the podium."""
    if not quiz.open:
        raise closed(QUIZ.label)
    index = quiz.current + 1
    if index >= len(quiz.questions):
        await close(ctx, quiz)
        return None
    deadline = ctx.now + quiz.questions[index].seconds
    if not await quizzes.start_question(ctx.db, quiz, index, ctx.now, deadline):
        raise conflict("the quiz moved on meanwhile; try again", "quiz_moved")
    await schedule_action(
        ctx.db, ctx.cache, QUIZ.name, quiz.id, "reveal", quiz.meeting_id, deadline
    )
    return None


def _chosen(body: Json, quiz: Quiz) -> tuple[int, list[int]]:
    question = int_field(body, "question", lo=0, hi=len(quiz.questions) - 1)
    raw = body.get("options")
    if (
        not isinstance(raw, list)
        or not raw
        or any(isinstance(v, bool) or not isinstance(v, int) for v in raw)
        or len(set(raw)) != len(raw)
    ):
        raise bad_request("'options' must be a non-empty list of option indexes", "bad_options")
    if not all(0 <= v < len(quiz.questions[question].options) for v in raw):
        raise bad_request("'options' names an option the question does not have", "bad_options")
    return question, sorted(raw)


@QUIZ.action("answer", event="updated", example=lambda quiz: {"question": 0, "options": [1]})
async def answer(ctx: ActionContext, quiz: Quiz) -> Outcome:
    """`{"question", "options"}`: once per question and person, before its deadline (409
    `too_late` after it, by the server's clock; 409 `already_answered` for a second answer)."""
    question, chosen = _chosen(ctx.body, quiz)
    if not quiz.open:
        raise closed(QUIZ.label)
    running = quiz.phase == "question" and quiz.current == question
    if not running or quiz.deadline is None or ctx.now > quiz.deadline:
        raise conflict("this question no longer takes answers", "too_late")
    assert quiz.started_at is not None
    points = points_for(quiz.questions[question], chosen, quiz.started_at, ctx.now)
    try:
        await quizzes.record_answer(ctx.db, quiz.id, question, ctx.user.id, chosen, points, ctx.now)
    except quizzes.AlreadyAnswered:
        raise conflict("you already answered this question", "already_answered") from None
    except quizzes.NotTakingAnswers:
        raise conflict("this question no longer takes answers", "too_late") from None
    except quizzes.QuizClosed:
        raise closed(QUIZ.label) from None
    # Scores count ended questions only: the answer itself changes the viewer's score later.
    score = await quizzes.my_answers(ctx.db, [quiz.id], ctx.user.id)
    return Outcome(mine={**_mine(quiz, score)})


@QUIZ.action("reveal", event="revealed", organizer=True)
async def reveal(ctx: ActionContext, quiz: Quiz) -> None:
    """End the running question now (its timer does this at the deadline): results show."""
    try:
        await quizzes.reveal(ctx.db, quiz.id, quiz.current, ctx.now)
    except quizzes.NoRunningQuestion:
        raise conflict("no question is running", "no_question") from None


@QUIZ.action("close", event="closed", organizer=True)
async def close(ctx: ActionContext, quiz: Quiz) -> None:
    """End the quiz now: the podium shows (409 closed when it already ended)."""
    try:
        await quizzes.close_quiz(ctx.db, quiz.id, ctx.now)
    except quizzes.QuizClosed:
        raise closed(QUIZ.label) from None
