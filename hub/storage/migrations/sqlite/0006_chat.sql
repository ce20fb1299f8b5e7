-- Chat: one counter row per meeting hands out gap-free seqs (BEGIN IMMEDIATE orders writers),
-- and every message with its seq and the sender's client_id.
CREATE TABLE chat_seq (
    meeting_id INTEGER NOT NULL PRIMARY KEY REFERENCES meeting (id),
    last_seq INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE chat_message (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    seq INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    client_id VARCHAR(64) NOT NULL,
    text TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (meeting_id, seq),
    UNIQUE (meeting_id, user_id, client_id)
);

CREATE INDEX chat_message_user ON chat_message (user_id);
