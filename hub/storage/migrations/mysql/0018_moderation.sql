-- Moderation (issue 18): a deleted chat message keeps its row and seq (the export marks it),
-- a mute lasts until `until_at`, one pinned announcement per meeting, and polls and ratings
-- that are anonymous (their voters are never shown, the one-vote rule still holds).
ALTER TABLE chat_message ADD COLUMN deleted_at DOUBLE NULL;

CREATE TABLE meeting_mute (
    meeting_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    until_at DOUBLE NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meeting_pin (
    meeting_id BIGINT NOT NULL PRIMARY KEY,
    text VARCHAR(200) NOT NULL,
    pinned_at DOUBLE NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE poll ADD COLUMN anonymous INT NOT NULL DEFAULT 0;
ALTER TABLE rating ADD COLUMN anonymous INT NOT NULL DEFAULT 0;
