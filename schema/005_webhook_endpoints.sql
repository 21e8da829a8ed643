-- The partner's webhook endpoints and where each stands in the event log.
-- delivered_through is the durable cursor: the id of the last event the
-- endpoint answered with a 2xx (or the log's end when it was created). It only
-- moves after such an answer has been committed, so a crash repeats at most
-- the event in flight and never skips one.
CREATE TABLE webhook_endpoints (
	seq                    INTEGER PRIMARY KEY,
	id                     TEXT NOT NULL UNIQUE,          -- a random UUID
	url                    TEXT NOT NULL,
	types                  TEXT,                          -- a JSON array of event types; NULL: all
	description            TEXT,
	enabled                INTEGER NOT NULL DEFAULT 1,
	created_at             INTEGER NOT NULL,
	secret                 TEXT NOT NULL,                 -- "whsec_" + base64 of 32 bytes
	previous_secret        TEXT,                          -- still signed with until ...
	previous_secret_until  INTEGER,                       -- ... this time (a rotation)
	delivered_through      INTEGER NOT NULL,
	revision               INTEGER NOT NULL DEFAULT 0,    -- bumped by changes that move the cursor or the filter
	attempts               INTEGER NOT NULL DEFAULT 0,    -- failed attempts at the next event
	next_attempt_ms        INTEGER NOT NULL DEFAULT 0,    -- unix milliseconds; 0: now
	last_attempt_at        INTEGER,
	last_status            INTEGER,
	last_error             TEXT,
	failing_since          INTEGER,
	disabled_at            INTEGER,
	disabled_reason        TEXT,
	tests_requested        INTEGER NOT NULL DEFAULT 0,    -- webhook.test messages asked for ...
	tests_sent             INTEGER NOT NULL DEFAULT 0     -- ... and sent
);
