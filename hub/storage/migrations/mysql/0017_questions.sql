-- Audience Q&A: questions asked by attendees, one upvote per person and question (the primary
-- key makes a repeated or concurrent upvote count once). `status`: pending (waits for the
-- organizer's approval), open, hidden, deleted. `anonymous` questions never name their author
-- outside storage: the author's id is kept only so one person sees their own question.
CREATE TABLE question (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    text VARCHAR(300) NOT NULL,
    anonymous TINYINT NOT NULL DEFAULT 0,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    answered TINYINT NOT NULL DEFAULT 0,
    highlighted TINYINT NOT NULL DEFAULT 0,
    upvotes INT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    KEY question_meeting (meeting_id),
    CONSTRAINT question_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id),
    CONSTRAINT question_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE question_vote (
    question_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    created_at DOUBLE NOT NULL,
    PRIMARY KEY (question_id, user_id),
    KEY question_vote_user (user_id),
    CONSTRAINT question_vote_question_fk FOREIGN KEY (question_id) REFERENCES question (id),
    CONSTRAINT question_vote_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
