-- Signed-in sessions: a row per login, deleted on logout and on "sign out everywhere".
-- `id` is the SHA-256 (hex) of the random id the session cookie carries, never the id itself.
CREATE TABLE app_session (
    id CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at DOUBLE NOT NULL,
    KEY app_session_user (user_id, created_at),
    CONSTRAINT app_session_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
