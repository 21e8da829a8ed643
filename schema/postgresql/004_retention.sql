-- As SQLite's 007: what the purge pass needs to find old rows without
-- scanning, the time a request was cancelled, and the feed's purge horizon.
CREATE INDEX events_at ON events (at);
CREATE INDEX events_rejected_at ON events (at)
	WHERE type IN ('callback.invalid', 'callback.unknown', 'callback.late');

-- An access request ends when it is granted or denied (completed_at), when
-- it expires (expires_at), or when it is cancelled (cancelled_at, from now
-- on; a request cancelled before this migration counts from its expiry).
ALTER TABLE access_requests ADD COLUMN cancelled_at BIGINT;
CREATE INDEX access_requests_ended ON access_requests ((CASE status
	WHEN 'cancelled' THEN coalesce(cancelled_at, expires_at)
	WHEN 'expired' THEN expires_at ELSE completed_at END))
	WHERE status IN ('granted', 'denied', 'expired', 'cancelled');
CREATE INDEX installations_revoked ON installations (status, revoked_at)
	WHERE status = 'revoked';

-- The newest event id a purge has deleted. The feed answers 410 to a reader
-- whose position is older. Erasure strips events but never deletes them.
CREATE TABLE event_purge (
	id              INTEGER PRIMARY KEY CHECK (id = 1),
	purged_through  BIGINT NOT NULL
);
INSERT INTO event_purge (id, purged_through) VALUES (1, 0);

-- The newest event the purge may delete: an enabled webhook endpoint's
-- undelivered events are kept until it has delivered them. Written for the
-- webhook_endpoints table of the webhook migration, and answering "no limit"
-- while that table does not exist: PL/pgSQL plans a statement only when it
-- first runs, so the function is valid either way.
CREATE FUNCTION accessd_purge_limit() RETURNS BIGINT LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF to_regclass('webhook_endpoints') IS NULL THEN
		RETURN 9223372036854775807;
	END IF;
	RETURN (SELECT coalesce(min(delivered_through), 9223372036854775807)
		FROM webhook_endpoints WHERE enabled = 1);
END
$$;
