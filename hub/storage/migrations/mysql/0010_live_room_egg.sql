-- The egg.js row fields a mini-program may read: `id` (a row id of its own, as Sequelize's) and
-- `created_at` (`updated_at` exists since 0004). Additive only: a process of the previous release
-- keeps inserting rows (the id is assigned, created_at stays 0 and reads as updated_at).
ALTER TABLE live_room
    ADD COLUMN id BIGINT NOT NULL AUTO_INCREMENT,
    ADD UNIQUE KEY live_room_id (id),
    ADD COLUMN created_at DOUBLE NOT NULL DEFAULT 0;

-- Rows mirrored before this release: their creation is unknown, their last write is the best guess.
UPDATE live_room SET created_at = updated_at WHERE created_at = 0;
