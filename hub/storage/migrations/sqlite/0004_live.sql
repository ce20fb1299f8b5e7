-- The mirror of WeChat's live rooms, with local fields (is_top) and replay bookkeeping.
CREATE TABLE live_room (
    roomid INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    cover_img TEXT NOT NULL DEFAULT '',
    share_img TEXT NOT NULL DEFAULT '',
    feeds_img TEXT NOT NULL DEFAULT '',
    live_status INTEGER NOT NULL DEFAULT 0,
    start_time INTEGER NOT NULL DEFAULT 0,
    end_time INTEGER NOT NULL DEFAULT 0,
    anchor_name TEXT NOT NULL DEFAULT '',
    anchor_img TEXT NOT NULL DEFAULT '',
    live_type INTEGER NOT NULL DEFAULT 0,
    close_like INTEGER NOT NULL DEFAULT 0,
    close_goods INTEGER NOT NULL DEFAULT 0,
    close_comment INTEGER NOT NULL DEFAULT 0,
    close_kf INTEGER NOT NULL DEFAULT 0,
    close_replay INTEGER NOT NULL DEFAULT 0,
    is_feeds_public INTEGER NOT NULL DEFAULT 0,
    creater_openid TEXT NOT NULL DEFAULT '',
    goods TEXT NOT NULL DEFAULT '[]',
    is_top INTEGER NOT NULL DEFAULT 0,
    live_replay TEXT NOT NULL DEFAULT '[]',
    replay_checked_at REAL NULL,
    replay_next_check_at REAL NULL,
    replay_attempts INTEGER NOT NULL DEFAULT 0,
    replay_expires_at REAL NULL,
    updated_at REAL NOT NULL DEFAULT 0
);
CREATE INDEX live_room_order ON live_room (is_top, start_time);
CREATE INDEX live_room_status ON live_room (live_status, start_time);
CREATE INDEX live_room_replay_due ON live_room (live_status, replay_next_check_at);

-- One row per sync attempt, successful or not.
CREATE TABLE sync_run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger_kind VARCHAR(20) NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL NOT NULL,
    ok INTEGER NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0,
    seen INTEGER NOT NULL DEFAULT 0,
    upserted INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    replays INTEGER NOT NULL DEFAULT 0,
    list_calls INTEGER NOT NULL DEFAULT 0,
    replay_calls INTEGER NOT NULL DEFAULT 0,
    error TEXT NULL
);
CREATE INDEX sync_run_started ON sync_run (started_at);
