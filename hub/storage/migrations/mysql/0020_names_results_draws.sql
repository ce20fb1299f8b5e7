-- Issue 16. People: the name WeCom's user/get gave is refreshed at most daily (`name_checked_at`);
-- `needs_name` marks someone WeCom gave no name for, whom the meeting page asks once.
ALTER TABLE app_user ADD COLUMN name_checked_at DOUBLE NULL;
ALTER TABLE app_user ADD COLUMN needs_name TINYINT NOT NULL DEFAULT 0;
-- A lottery may be drawn again excluding earlier winners; every draw stays in the record.
ALTER TABLE lottery_winner ADD COLUMN draw INT NOT NULL DEFAULT 1;
-- When attendees see a poll's counts: always, after_vote or after_close (hide_results was the last).
ALTER TABLE poll ADD COLUMN results VARCHAR(12) NOT NULL DEFAULT 'always';
UPDATE poll SET results = 'after_close' WHERE hide_results = 1;
