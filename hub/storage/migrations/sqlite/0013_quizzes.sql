-- Quizzes: questions started one at a time by the organizer; the server keeps each deadline.
-- `current_q` is the running question's index (-1 before the first), `phase` 'question' while it
-- takes answers, 'results' after. One answer per question and person (the primary key).
CREATE TABLE quiz (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    title VARCHAR(200) NOT NULL,
    questions_json TEXT NOT NULL,
    question_count INTEGER NOT NULL,
    current_q INTEGER NOT NULL DEFAULT -1,
    phase VARCHAR(10) NOT NULL DEFAULT 'lobby',
    started_at DOUBLE NULL,
    deadline DOUBLE NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL
);
CREATE INDEX quiz_meeting ON quiz (meeting_id);

CREATE TABLE quiz_answer (
    quiz_id INTEGER NOT NULL REFERENCES quiz (id),
    question INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    options VARCHAR(100) NOT NULL,
    correct INTEGER NOT NULL,
    points INTEGER NOT NULL,
    answered_at DOUBLE NOT NULL,
    PRIMARY KEY (quiz_id, question, user_id)
);
CREATE INDEX quiz_answer_user ON quiz_answer (user_id);
