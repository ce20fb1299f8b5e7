-- Word clouds: a prompt, up to `max_entries` words per attendee, counted by their normalised form.
-- One row per (cloud, person, word): a person's repeated word counts once (the primary key).
CREATE TABLE wordcloud (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    prompt VARCHAR(200) NOT NULL,
    max_entries INTEGER NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL
);
CREATE INDEX wordcloud_meeting ON wordcloud (meeting_id);

CREATE TABLE wordcloud_entry (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wordcloud_id INTEGER NOT NULL REFERENCES wordcloud (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    word VARCHAR(20) NOT NULL,
    created_at DOUBLE NOT NULL,
    UNIQUE (wordcloud_id, user_id, word)
);
CREATE INDEX wordcloud_entry_user ON wordcloud_entry (user_id);
