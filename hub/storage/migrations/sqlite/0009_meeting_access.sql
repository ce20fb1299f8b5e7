-- Who may join a meeting and when it was last used (security review F2, F3).
-- `passcode`: an optional join passcode the organizer sets (4 to 6 digits), NULL for none.
-- `access`: open (anyone signed in with the number), department (members of one of the
-- organizer's WeCom departments) or invited (the userids in meeting_invite).
-- `last_activity_at`: the last join, chat message or activity change; the idle ender reads it.
ALTER TABLE meeting ADD COLUMN passcode VARCHAR(16) NULL;
ALTER TABLE meeting ADD COLUMN access VARCHAR(16) NOT NULL DEFAULT 'open';
ALTER TABLE meeting ADD COLUMN last_activity_at DOUBLE NOT NULL DEFAULT 0;
UPDATE meeting SET last_activity_at = created_at;
CREATE INDEX meeting_idle ON meeting (ended_at, last_activity_at);

-- Invitations by WeCom userid, so a colleague can be invited before their first sign-in.
CREATE TABLE meeting_invite (
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    userid VARCHAR(64) NOT NULL,
    invited_at DOUBLE NOT NULL,
    PRIMARY KEY (meeting_id, userid)
);

-- The WeCom departments of a user, as WeCom reported them at their last sign-in.
CREATE TABLE user_department (
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    department_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, department_id)
);
CREATE INDEX user_department_department ON user_department (department_id);
