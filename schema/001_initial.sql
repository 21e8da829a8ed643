-- The first schema: access requests, installations, the event log, and the
-- queue of grants waiting to be confirmed with the Zaptec API.
-- Times are Unix seconds (UTC). Tokens are stored only as SHA-256 hashes.

CREATE TABLE access_requests (
	seq                    INTEGER PRIMARY KEY,         -- creation order; list cursor
	id                     TEXT NOT NULL UNIQUE,        -- public id (UUID)
	token_hash             BLOB NOT NULL UNIQUE,        -- SHA-256 of the current token
	reference              TEXT,
	installation_type      INTEGER NOT NULL CHECK (installation_type IN (0, 1)), -- 0 Pro, 1 Go/Home
	installation_id        TEXT,
	partner_name           TEXT NOT NULL,
	lang                   TEXT NOT NULL,
	lang_given             INTEGER NOT NULL DEFAULT 0, -- the partner chose lang (else default_lang)
	show_existing          INTEGER NOT NULL DEFAULT 0,
	return_to              TEXT,
	-- 'expired' is stored by the expiry pass; readers also derive it from expires_at.
	status                 TEXT NOT NULL DEFAULT 'pending'
	                       CHECK (status IN ('pending', 'opened', 'granted', 'denied', 'expired')),
	created_at             INTEGER NOT NULL,
	expires_at             INTEGER NOT NULL,
	opened_at              INTEGER,
	completed_at           INTEGER,
	result_success         INTEGER,
	result_installation_id TEXT
);
CREATE INDEX access_requests_reference ON access_requests (reference, seq);
-- The expiry pass looks only at open requests.
CREATE INDEX access_requests_open_expiry ON access_requests (expires_at)
	WHERE status IN ('pending', 'opened');

CREATE TABLE installations (
	seq                INTEGER PRIMARY KEY,
	installation_id    TEXT NOT NULL UNIQUE,
	status             TEXT NOT NULL
	                   CHECK (status IN ('verifying', 'granted', 'unconfirmed', 'revoked')),
	installation_type  INTEGER CHECK (installation_type IN (0, 1)),
	reference          TEXT,
	request_id         TEXT,
	granted_at         INTEGER,
	updated_at         INTEGER NOT NULL,
	revoked_at         INTEGER,
	verified_at        INTEGER,
	name               TEXT,
	roles              INTEGER,
	last_error         TEXT
);
-- Lists are most recently updated first; seq breaks ties so the cursor is exact.
CREATE INDEX installations_updated ON installations (updated_at, seq);
CREATE INDEX installations_status_updated ON installations (status, updated_at, seq);
CREATE INDEX installations_reference_updated ON installations (reference, updated_at, seq);

-- The durable change feed. AUTOINCREMENT: an id is never reused, and with one
-- writer ids become visible in increasing order, so 'after=' paging has no gaps.
CREATE TABLE events (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	at               INTEGER NOT NULL,
	type             TEXT NOT NULL,
	request_id       TEXT,
	installation_id  TEXT,
	reference        TEXT,
	detail           TEXT NOT NULL DEFAULT '{}'       -- a JSON object
);
CREATE INDEX events_installation ON events (installation_id, id);

-- Grants waiting for confirmation through the Zaptec API; survives restarts.
CREATE TABLE verifications (
	installation_id  TEXT PRIMARY KEY,
	queued_at        INTEGER NOT NULL,
	next_attempt_at  INTEGER NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0,
	last_error       TEXT
);
CREATE INDEX verifications_due ON verifications (next_attempt_at);

-- One row that /readyz rewrites to prove the database still takes writes.
CREATE TABLE health (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at  INTEGER NOT NULL
);
