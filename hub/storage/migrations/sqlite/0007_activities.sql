-- Live activities of a meeting: polls, lotteries, ratings and red packets.
-- Every parent row carries a `version` bumped in the same transaction as any change to it,
-- so pushed frames can be ordered and stale ones dropped; counters are updated in SQL.
CREATE TABLE poll (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    question VARCHAR(200) NOT NULL,
    multi INTEGER NOT NULL DEFAULT 0,
    hide_results INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    total_votes INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL
);
CREATE INDEX poll_meeting ON poll (meeting_id);

CREATE TABLE poll_option (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id INTEGER NOT NULL REFERENCES poll (id),
    idx INTEGER NOT NULL,
    label VARCHAR(100) NOT NULL,
    votes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (poll_id, idx)
);

-- One ballot per attendee and poll, enforced here: a second vote is a unique violation.
CREATE TABLE ballot (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id INTEGER NOT NULL REFERENCES poll (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    created_at DOUBLE NOT NULL,
    UNIQUE (poll_id, user_id)
);

CREATE TABLE ballot_option (
    ballot_id INTEGER NOT NULL REFERENCES ballot (id),
    option_id INTEGER NOT NULL REFERENCES poll_option (id),
    PRIMARY KEY (ballot_id, option_id)
);
CREATE INDEX ballot_option_option ON ballot_option (option_id);

CREATE TABLE lottery (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    title VARCHAR(200) NOT NULL,
    winners_count INTEGER NOT NULL,
    exclude_previous_winners INTEGER NOT NULL DEFAULT 1,
    include_organizer INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    eligible_count INTEGER NULL,
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    drawn_at DOUBLE NULL
);
CREATE INDEX lottery_meeting ON lottery (meeting_id);

CREATE TABLE lottery_winner (
    lottery_id INTEGER NOT NULL REFERENCES lottery (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (lottery_id, user_id)
);

CREATE TABLE rating (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    subject VARCHAR(200) NOT NULL,
    max_score INTEGER NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL
);
CREATE INDEX rating_meeting ON rating (meeting_id);

CREATE TABLE rating_score (
    rating_id INTEGER NOT NULL REFERENCES rating (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    score INTEGER NOT NULL,
    updated_at DOUBLE NOT NULL,
    PRIMARY KEY (rating_id, user_id)
);

CREATE TABLE red_packet (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    total_cents INTEGER NOT NULL,
    count INTEGER NOT NULL,
    claimed_count INTEGER NOT NULL DEFAULT 0,
    claimed_cents INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL
);
CREATE INDEX red_packet_meeting ON red_packet (meeting_id);

-- Shares are split at creation; `user_id` stays NULL until claimed, and the unique key
-- (NULLs never collide) stops anyone claiming twice.
CREATE TABLE red_packet_share (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    packet_id INTEGER NOT NULL REFERENCES red_packet (id),
    idx INTEGER NOT NULL,
    cents INTEGER NOT NULL,
    user_id INTEGER NULL REFERENCES app_user (id),
    claimed_at DOUBLE NULL,
    UNIQUE (packet_id, idx),
    UNIQUE (packet_id, user_id)
);
