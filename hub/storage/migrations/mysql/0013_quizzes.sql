-- Quizzes: questions started one at a time by the organizer; the server keeps each deadline.
-- `current_q` is the running question's index (-1 before the first), `phase` 'question' while it
-- takes answers, 'results' after. One answer per question and person (the primary key).
CREATE TABLE quiz (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    title VARCHAR(200) NOT NULL,
    questions_json TEXT NOT NULL,
    question_count INT NOT NULL,
    current_q INT NOT NULL DEFAULT -1,
    phase VARCHAR(10) NOT NULL DEFAULT 'lobby',
    started_at DOUBLE NULL,
    deadline DOUBLE NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL,
    KEY quiz_meeting (meeting_id),
    CONSTRAINT quiz_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE quiz_answer (
    quiz_id BIGINT NOT NULL,
    question INT NOT NULL,
    user_id BIGINT NOT NULL,
    options VARCHAR(100) NOT NULL,
    correct TINYINT NOT NULL,
    points INT NOT NULL,
    answered_at DOUBLE NOT NULL,
    PRIMARY KEY (quiz_id, question, user_id),
    KEY quiz_answer_user (user_id),
    CONSTRAINT quiz_answer_quiz_fk FOREIGN KEY (quiz_id) REFERENCES quiz (id),
    CONSTRAINT quiz_answer_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
