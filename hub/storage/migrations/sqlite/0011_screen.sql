-- The big screen: what the organizer presents, the meeting's settings and screen links.
-- One row per meeting that ever chose what to present; `activities_seen` is how many activities
-- the meeting had when the choice was made (a newer one is presented when auto_present is on).
-- `version` rises with every choice: screens drop a frame older than one they applied.
CREATE TABLE meeting_presenting (
    meeting_id INTEGER NOT NULL PRIMARY KEY REFERENCES meeting (id),
    mode VARCHAR(10) NOT NULL,
    kind VARCHAR(40) NULL,
    activity_id INTEGER NULL,
    activities_seen INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);

-- Meeting settings as one JSON value per key: a new key (hub/meetings/settings.py) needs no
-- migration, and a meeting that never set a key reads its default.
CREATE TABLE meeting_setting (
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    name VARCHAR(40) NOT NULL,
    value_json TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (meeting_id, name)
);

-- Screen links: only the SHA-256 of the token is kept, so a database leak opens no screen.
CREATE TABLE screen_link (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    token_hash CHAR(64) NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES app_user (id),
    created_at REAL NOT NULL,
    revoked_at REAL NULL
);

CREATE INDEX screen_link_meeting ON screen_link (meeting_id);
