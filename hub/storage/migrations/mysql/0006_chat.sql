-- Chat: one counter row per meeting hands out gap-free seqs (its row lock orders concurrent
-- senders on every process), and every message with its seq and the sender's client_id.
CREATE TABLE chat_seq (
    meeting_id BIGINT NOT NULL PRIMARY KEY,
    last_seq BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT chat_seq_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE chat_message (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meeting_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    client_id VARCHAR(64) NOT NULL,
    text TEXT NOT NULL,
    created_at DOUBLE NOT NULL,
    UNIQUE KEY chat_message_seq (meeting_id, seq),
    UNIQUE KEY chat_message_client (meeting_id, user_id, client_id),
    KEY chat_message_user (user_id),
    CONSTRAINT chat_message_meeting_fk FOREIGN KEY (meeting_id) REFERENCES meeting (id),
    CONSTRAINT chat_message_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
