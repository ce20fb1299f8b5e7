-- 签到 check-ins: the code shown on the screen is derived from `secret` and the 15-s window
-- (HMAC), so every process agrees on it without storing it. One check-in per person.
CREATE TABLE checkin (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    title VARCHAR(200) NOT NULL,
    secret CHAR(64) NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    checked_in INT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL,
    KEY checkin_meeting (meeting_id),
    CONSTRAINT checkin_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE checkin_entry (
    checkin_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    checked_in_at DOUBLE NOT NULL,
    PRIMARY KEY (checkin_id, user_id),
    KEY checkin_entry_user (user_id),
    CONSTRAINT checkin_entry_checkin_fk FOREIGN KEY (checkin_id) REFERENCES checkin (id),
    CONSTRAINT checkin_entry_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
