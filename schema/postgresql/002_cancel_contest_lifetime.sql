-- As SQLite's 003 and 004: access requests may be cancelled by the partner or
-- contested when their installation is bound to another customer, and keep
-- the lifetime they were created with (a reissue gives the new link that).
ALTER TABLE access_requests DROP CONSTRAINT access_requests_status_check;
ALTER TABLE access_requests ADD CONSTRAINT access_requests_status_check
	CHECK (status IN ('pending', 'opened', 'granted', 'denied', 'expired', 'cancelled', 'contested'));
ALTER TABLE access_requests ADD COLUMN ttl BIGINT NOT NULL DEFAULT 0;
UPDATE access_requests SET ttl = expires_at - created_at;
