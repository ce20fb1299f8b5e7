-- Live activities of a meeting: polls, lotteries, ratings and red packets.
-- Every parent row carries a `version` bumped in the same transaction as any change to it,
-- so pushed frames can be ordered and stale ones dropped; counters are updated in SQL.
CREATE TABLE poll (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    question VARCHAR(200) NOT NULL,
    multi TINYINT NOT NULL DEFAULT 0,
    hide_results TINYINT NOT NULL DEFAULT 0,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    total_votes INT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL,
    KEY poll_meeting (meeting_id),
    CONSTRAINT poll_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE poll_option (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    poll_id BIGINT NOT NULL,
    idx INT NOT NULL,
    label VARCHAR(100) NOT NULL,
    votes INT NOT NULL DEFAULT 0,
    UNIQUE KEY poll_option_idx (poll_id, idx),
    CONSTRAINT poll_option_poll_fk FOREIGN KEY (poll_id) REFERENCES poll (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One ballot per attendee and poll, enforced here: a second vote is a unique violation.
CREATE TABLE ballot (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    poll_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    created_at DOUBLE NOT NULL,
    UNIQUE KEY ballot_once (poll_id, user_id),
    KEY ballot_user (user_id),
    CONSTRAINT ballot_poll_fk FOREIGN KEY (poll_id) REFERENCES poll (id),
    CONSTRAINT ballot_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ballot_option (
    ballot_id BIGINT NOT NULL,
    option_id BIGINT NOT NULL,
    PRIMARY KEY (ballot_id, option_id),
    KEY ballot_option_option (option_id),
    CONSTRAINT ballot_option_ballot_fk FOREIGN KEY (ballot_id) REFERENCES ballot (id),
    CONSTRAINT ballot_option_option_fk FOREIGN KEY (option_id) REFERENCES poll_option (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE lottery (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    title VARCHAR(200) NOT NULL,
    winners_count INT NOT NULL,
    exclude_previous_winners TINYINT NOT NULL DEFAULT 1,
    include_organizer TINYINT NOT NULL DEFAULT 0,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    eligible_count INT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    drawn_at DOUBLE NULL,
    KEY lottery_meeting (meeting_id),
    CONSTRAINT lottery_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE lottery_winner (
    lottery_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    position INT NOT NULL,
    PRIMARY KEY (lottery_id, user_id),
    KEY lottery_winner_user (user_id),
    CONSTRAINT lottery_winner_lottery_fk FOREIGN KEY (lottery_id) REFERENCES lottery (id),
    CONSTRAINT lottery_winner_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE rating (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    subject VARCHAR(200) NOT NULL,
    max_score INT NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL,
    KEY rating_meeting (meeting_id),
    CONSTRAINT rating_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE rating_score (
    rating_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    score INT NOT NULL,
    updated_at DOUBLE NOT NULL,
    PRIMARY KEY (rating_id, user_id),
    KEY rating_score_user (user_id),
    CONSTRAINT rating_score_rating_fk FOREIGN KEY (rating_id) REFERENCES rating (id),
    CONSTRAINT rating_score_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE red_packet (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    count INT NOT NULL,
    claimed_count INT NOT NULL DEFAULT 0,
    claimed_cents BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    KEY red_packet_meeting (meeting_id),
    CONSTRAINT red_packet_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Shares are split at creation; `user_id` stays NULL until claimed, and the unique key
-- (NULLs never collide) stops anyone claiming twice.
CREATE TABLE red_packet_share (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    packet_id BIGINT NOT NULL,
    idx INT NOT NULL,
    cents BIGINT NOT NULL,
    user_id BIGINT NULL,
    claimed_at DOUBLE NULL,
    UNIQUE KEY red_packet_share_idx (packet_id, idx),
    UNIQUE KEY red_packet_share_once (packet_id, user_id),
    KEY red_packet_share_user (user_id),
    CONSTRAINT red_packet_share_packet_fk FOREIGN KEY (packet_id) REFERENCES red_packet (id),
    CONSTRAINT red_packet_share_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
