-- Retention: what the purge pass needs to find old rows without scanning,
-- and the feed's purge horizon.
--
-- Event times grow with their ids, so the index on "at" is extended at its
-- end by every new event, as the history index is (002): it costs a callback
-- no page at random. Rejected callbacks have a shorter retention and an index
-- of their own, which only they extend.
CREATE INDEX events_at ON events (at);
CREATE INDEX events_rejected_at ON events (at)
	WHERE type IN ('callback.invalid', 'callback.unknown', 'callback.late');

-- An access request ends when it is granted or denied (completed_at), when
-- it expires (expires_at), or when it is cancelled (cancelled_at, from now
-- on; a request cancelled before this migration counts from its expiry).
-- Only ended requests are in this index.
ALTER TABLE access_requests ADD COLUMN cancelled_at INTEGER;
CREATE INDEX access_requests_ended ON access_requests ((CASE status
	WHEN 'cancelled' THEN coalesce(cancelled_at, expires_at)
	WHEN 'expired' THEN expires_at ELSE completed_at END))
	WHERE status IN ('granted', 'denied', 'expired', 'cancelled');
CREATE INDEX installations_revoked ON installations (status, revoked_at)
	WHERE status = 'revoked';

-- The newest event id a purge has deleted. The feed answers 410 to a reader
-- whose position is older: events it has not read are gone. Erasure strips
-- events but never deletes them, so it leaves the horizon alone.
CREATE TABLE event_purge (
	id              INTEGER PRIMARY KEY CHECK (id = 1),
	purged_through  INTEGER NOT NULL
);
INSERT INTO event_purge (id, purged_through) VALUES (1, 0);
