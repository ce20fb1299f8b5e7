-- People signed in through WeCom, meetings with 5-digit numbers, and who attends what.
CREATE TABLE app_user (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    userid VARCHAR(64) NOT NULL,
    name VARCHAR(100) NOT NULL,
    avatar VARCHAR(500) NOT NULL DEFAULT '',
    name_set TINYINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    last_login_at DOUBLE NOT NULL,
    UNIQUE KEY app_user_userid (userid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- `active_number` holds the number (as an integer, so SQL can find free ones) while the
-- meeting runs and is cleared on end, so its unique index makes numbers unique among
-- active meetings only (NULLs never collide).
CREATE TABLE meeting (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    number CHAR(5) NOT NULL,
    active_number INT NULL,
    title VARCHAR(100) NOT NULL,
    organizer_id BIGINT NOT NULL,
    created_at DOUBLE NOT NULL,
    ended_at DOUBLE NULL,
    UNIQUE KEY meeting_active_number (active_number),
    KEY meeting_number (number, created_at),
    KEY meeting_organizer (organizer_id),
    CONSTRAINT meeting_organizer_fk FOREIGN KEY (organizer_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE attendee (
    meeting_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    joined_at DOUBLE NOT NULL,
    PRIMARY KEY (meeting_id, user_id),
    KEY attendee_user (user_id),
    CONSTRAINT attendee_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id),
    CONSTRAINT attendee_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
