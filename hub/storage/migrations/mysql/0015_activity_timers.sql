-- Timed actions of any activity kind (the close at `closes_at`, a quiz question's reveal): one row
-- per activity and action. A process claims a due row with a conditional UPDATE of
-- `claimed_until` (a lease: a process that dies mid-way lets another take it after), runs the
-- action, then sets `done`. Kinds keep their own tables untouched.
CREATE TABLE activity_timer (
    kind VARCHAR(20) NOT NULL,
    activity_id BIGINT NOT NULL,
    action VARCHAR(20) NOT NULL,
    meeting_id BIGINT NOT NULL,
    due_at DOUBLE NOT NULL,
    claimed_until DOUBLE NULL,
    done TINYINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, activity_id, action),
    KEY activity_timer_due (done, due_at),
    CONSTRAINT activity_timer_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
