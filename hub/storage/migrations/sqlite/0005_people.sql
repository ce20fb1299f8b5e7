-- People signed in through WeCom, meetings with 5-digit numbers, and who attends what.
CREATE TABLE app_user (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    userid VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(100) NOT NULL,
    avatar VARCHAR(500) NOT NULL DEFAULT '',
    name_set INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    last_login_at DOUBLE NOT NULL
);

-- `active_number` holds the number (as an integer, so SQL can find free ones) while the
-- meeting runs and is cleared on end, so its unique index makes numbers unique among
-- active meetings only (NULLs never collide).
CREATE TABLE meeting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number CHAR(5) NOT NULL,
    active_number INTEGER NULL UNIQUE,
    title VARCHAR(100) NOT NULL,
    organizer_id INTEGER NOT NULL REFERENCES app_user (id),
    created_at DOUBLE NOT NULL,
    ended_at DOUBLE NULL
);
CREATE INDEX meeting_number ON meeting (number, created_at);
CREATE INDEX meeting_organizer ON meeting (organizer_id);

CREATE TABLE attendee (
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    joined_at DOUBLE NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX attendee_user ON attendee (user_id);
