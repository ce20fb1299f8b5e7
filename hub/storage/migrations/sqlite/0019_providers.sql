-- People from several sources (issue 21), additive: every existing row is a WeCom member.
-- `provider`: wecom, miniprogram, wechat (公众号 web sign-in) or guest (a nickname only).
-- `provider_id`: that provider's id (WeCom userid, an openid, a guest's random id).
-- `unionid`: WeChat's id of one person across the mini-program and the 公众号, when given.
-- `userid` stays unique: WeChat people and guests get `provider:id`, which no WeCom userid
-- can be (WeCom allows no colon).
ALTER TABLE app_user ADD COLUMN provider VARCHAR(16) NOT NULL DEFAULT 'wecom';
ALTER TABLE app_user ADD COLUMN provider_id VARCHAR(128) NULL;
ALTER TABLE app_user ADD COLUMN unionid VARCHAR(64) NULL;
UPDATE app_user SET provider_id = userid WHERE provider_id IS NULL;
CREATE UNIQUE INDEX app_user_unionid ON app_user (unionid);
