-- 签到 check-ins: the code shown on the screen is derived from `secret` and the 15-s window
-- (HMAC), so every process agrees on it without storing it. One check-in per person.
CREATE TABLE checkin (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    title VARCHAR(200) NOT NULL,
    secret CHAR(64) NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    checked_in INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL
);
CREATE INDEX checkin_meeting ON checkin (meeting_id);

CREATE TABLE checkin_entry (
    checkin_id INTEGER NOT NULL REFERENCES checkin (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    checked_in_at DOUBLE NOT NULL,
    PRIMARY KEY (checkin_id, user_id)
);
CREATE INDEX checkin_entry_user ON checkin_entry (user_id);
