-- The PostgreSQL schema, as SQLite's 001 and 002 together: access requests,
-- installations, the event log, the queue of grants waiting to be confirmed
-- with the Zaptec API, and what several instances share: the event counter
-- and the leases of background work.
-- Times are Unix seconds (UTC). Tokens are stored only as SHA-256 hashes.

CREATE TABLE access_requests (
	seq                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- creation order; list cursor
	id                     TEXT NOT NULL UNIQUE,        -- public id (UUID)
	token_hash             BYTEA NOT NULL UNIQUE,       -- SHA-256 of the current token
	reference              TEXT,
	installation_type      INTEGER NOT NULL CHECK (installation_type IN (0, 1)), -- 0 Pro, 1 Go/Home
	installation_id        TEXT,
	partner_name           TEXT NOT NULL,
	lang                   TEXT NOT NULL,
	lang_given             INTEGER NOT NULL DEFAULT 0,
	show_existing          INTEGER NOT NULL DEFAULT 0,
	return_to              TEXT,
	status                 TEXT NOT NULL DEFAULT 'pending'
	                       CHECK (status IN ('pending', 'opened', 'granted', 'denied', 'expired')),
	created_at             BIGINT NOT NULL,
	expires_at             BIGINT NOT NULL,
	opened_at              BIGINT,
	completed_at           BIGINT,
	result_success         INTEGER,
	result_installation_id TEXT
);
CREATE INDEX access_requests_reference ON access_requests (reference, seq);
CREATE INDEX access_requests_open_expiry ON access_requests (expires_at)
	WHERE status IN ('pending', 'opened');

CREATE TABLE installations (
	seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	installation_id    TEXT NOT NULL UNIQUE,
	status             TEXT NOT NULL
	                   CHECK (status IN ('verifying', 'granted', 'unconfirmed', 'revoked')),
	installation_type  INTEGER CHECK (installation_type IN (0, 1)),
	reference          TEXT,
	request_id         TEXT,
	granted_at         BIGINT,
	updated_at         BIGINT NOT NULL,
	revoked_at         BIGINT,
	verified_at        BIGINT,
	name               TEXT,
	roles              BIGINT,
	last_error         TEXT
);
CREATE INDEX installations_updated ON installations (updated_at, seq);
CREATE INDEX installations_status_updated ON installations (status, updated_at, seq);
CREATE INDEX installations_reference_updated ON installations (reference, updated_at, seq);

-- The durable change feed. Ids come from event_counter, not a sequence: a
-- sequence hands out ids in the order transactions ask, not the order they
-- commit, and a reader paging with after= would skip an id that commits late.
CREATE TABLE events (
	id               BIGINT PRIMARY KEY,
	at               BIGINT NOT NULL,
	type             TEXT NOT NULL,
	request_id       TEXT,
	installation_id  TEXT,
	reference        TEXT,
	detail           TEXT NOT NULL DEFAULT '{}',
	installation_seq BIGINT
);
CREATE INDEX events_installation_seq ON events (installation_seq, id)
	WHERE installation_seq IS NOT NULL;

-- The last event id given. A transaction that appends events updates this row,
-- and its lock holds until that transaction ends: the next one gets the ids
-- after, and commits after.
CREATE TABLE event_counter (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	last  BIGINT NOT NULL
);
INSERT INTO event_counter (id, last) VALUES (1, 0);

CREATE TABLE verifications (
	installation_id  TEXT PRIMARY KEY,
	queued_at        BIGINT NOT NULL,
	next_attempt_at  BIGINT NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0,
	last_error       TEXT
);
CREATE INDEX verifications_due ON verifications (next_attempt_at);

CREATE TABLE health (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at  BIGINT NOT NULL
);

-- Background work of one kind runs on one instance at a time: the holder of
-- its lease, which renews it while it works; another takes it once it expired.
CREATE TABLE leases (
	kind        TEXT PRIMARY KEY,
	holder      TEXT NOT NULL,
	expires_at  BIGINT NOT NULL
);
