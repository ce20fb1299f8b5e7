-- Signed-in sessions: a row per login, deleted on logout and on "sign out everywhere".
-- `id` is the SHA-256 (hex) of the random id the session cookie carries, never the id itself.
CREATE TABLE app_session (
    id CHAR(64) NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    created_at DOUBLE NOT NULL
);
CREATE INDEX app_session_user ON app_session (user_id, created_at);
