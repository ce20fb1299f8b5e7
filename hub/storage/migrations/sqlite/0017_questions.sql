-- Audience Q&A: questions asked by attendees, one upvote per person and question (the primary
-- key makes a repeated or concurrent upvote count once). `status`: pending (waits for the
-- organizer's approval), open, hidden, deleted. `anonymous` questions never name their author
-- outside storage: the author's id is kept only so one person sees their own question.
CREATE TABLE question (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    text VARCHAR(300) NOT NULL,
    anonymous INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    answered INTEGER NOT NULL DEFAULT 0,
    highlighted INTEGER NOT NULL DEFAULT 0,
    upvotes INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL
);
CREATE INDEX question_meeting ON question (meeting_id);

CREATE TABLE question_vote (
    question_id INTEGER NOT NULL REFERENCES question (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    created_at DOUBLE NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
CREATE INDEX question_vote_user ON question_vote (user_id);
