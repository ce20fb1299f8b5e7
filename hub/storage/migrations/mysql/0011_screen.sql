-- The big screen: what the organizer presents, the meeting's settings and screen links.
-- One row per meeting that ever chose what to present; `activities_seen` is how many activities
-- the meeting had when the choice was made (a newer one is presented when auto_present is on).
-- `version` rises with every choice: screens drop a frame older than one they applied.
CREATE TABLE meeting_presenting (
    meeting_id BIGINT NOT NULL PRIMARY KEY,
    mode VARCHAR(10) NOT NULL,
    kind VARCHAR(40) NULL,
    activity_id BIGINT NULL,
    activities_seen INT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at DOUBLE NOT NULL,
    CONSTRAINT meeting_presenting_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Meeting settings as one JSON value per key: a new key (hub/meetings/settings.py) needs no
-- migration, and a meeting that never set a key reads its default.
CREATE TABLE meeting_setting (
    meeting_id BIGINT NOT NULL,
    name VARCHAR(40) NOT NULL,
    value_json TEXT NOT NULL,
    updated_at DOUBLE NOT NULL,
    PRIMARY KEY (meeting_id, name),
    CONSTRAINT meeting_setting_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Screen links: only the SHA-256 of the token is kept, so a database leak opens no screen.
CREATE TABLE screen_link (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    token_hash CHAR(64) NOT NULL,
    created_by BIGINT NOT NULL,
    created_at DOUBLE NOT NULL,
    revoked_at DOUBLE NULL,
    UNIQUE KEY screen_link_token (token_hash),
    KEY screen_link_meeting (meeting_id),
    CONSTRAINT screen_link_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id),
    CONSTRAINT screen_link_user_fk FOREIGN KEY (created_by) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
