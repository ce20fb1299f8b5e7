-- Word clouds: a prompt, up to `max_entries` words per attendee, counted by their normalised form.
-- One row per (cloud, person, word): a person's repeated word counts once (the unique key).
-- The word column is binary-collated: the normalised forms are compared as written ("ai" and
-- "aì" stay two words), normalisation is hub's, not the collation's.
CREATE TABLE wordcloud (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    prompt VARCHAR(200) NOT NULL,
    max_entries INT NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'open',
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE NOT NULL,
    closed_at DOUBLE NULL,
    KEY wordcloud_meeting (meeting_id),
    CONSTRAINT wordcloud_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE wordcloud_entry (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    wordcloud_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    word VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    created_at DOUBLE NOT NULL,
    UNIQUE KEY wordcloud_entry_once (wordcloud_id, user_id, word),
    KEY wordcloud_entry_user (user_id),
    CONSTRAINT wordcloud_entry_cloud_fk FOREIGN KEY (wordcloud_id) REFERENCES wordcloud (id),
    CONSTRAINT wordcloud_entry_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
