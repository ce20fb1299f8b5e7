-- The egg.js row fields a mini-program may read: `id` (a row id of its own, as Sequelize's) and
-- `created_at` (`updated_at` exists since 0004). SQLite cannot add an AUTOINCREMENT column, and
-- roomid was the rowid: the table is copied into its new shape (SQLite serves one process, so no
-- process of the previous release reads it meanwhile).
CREATE TABLE live_room_0010 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    roomid INTEGER NOT NULL UNIQUE,
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
    updated_at REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL DEFAULT 0
);

-- Rows mirrored before this release: their creation is unknown, their last write is the best guess.
INSERT INTO live_room_0010 (
    roomid, name, cover_img, share_img, feeds_img, live_status, start_time, end_time,
    anchor_name, anchor_img, live_type, close_like, close_goods, close_comment, close_kf,
    close_replay, is_feeds_public, creater_openid, goods, is_top, live_replay, replay_checked_at,
    replay_next_check_at, replay_attempts, replay_expires_at, updated_at, created_at
)
SELECT
    roomid, name, cover_img, share_img, feeds_img, live_status, start_time, end_time,
    anchor_name, anchor_img, live_type, close_like, close_goods, close_comment, close_kf,
    close_replay, is_feeds_public, creater_openid, goods, is_top, live_replay, replay_checked_at,
    replay_next_check_at, replay_attempts, replay_expires_at, updated_at, updated_at
FROM live_room ORDER BY roomid;

DROP TABLE live_room;
ALTER TABLE live_room_0010 RENAME TO live_room;
CREATE INDEX live_room_order ON live_room (is_top, start_time);
CREATE INDEX live_room_status ON live_room (live_status, start_time);
CREATE INDEX live_room_replay_due ON live_room (live_status, replay_next_check_at);
