-- As SQLite's 005: the partner's webhook endpoints and where each stands in
-- the event log. delivered_through is the durable cursor: the id of the last
-- event the endpoint answered with a 2xx (or the log's end when it was
-- created). It only moves after such an answer has been committed, so a crash
-- repeats at most the events in flight and never skips one. Event ids are
-- gap-free and in commit order (event_counter), so every event at or below
-- the newest one a reader sees has committed: a cursor never passes one that
-- commits late.
CREATE TABLE webhook_endpoints (
	seq                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                     TEXT NOT NULL UNIQUE,          -- a random UUID
	url                    TEXT NOT NULL,
	types                  TEXT,                          -- a JSON array of event types; NULL: all
	description            TEXT,
	enabled                INTEGER NOT NULL DEFAULT 1,
	created_at             BIGINT NOT NULL,
	secret                 TEXT NOT NULL,                 -- "whsec_" + base64 of 32 bytes
	previous_secret        TEXT,                          -- still signed with until ...
	previous_secret_until  BIGINT,                        -- ... this time (a rotation)
	delivered_through      BIGINT NOT NULL,
	revision               BIGINT NOT NULL DEFAULT 0,     -- bumped by changes that move the cursor or the filter
	attempts               INTEGER NOT NULL DEFAULT 0,    -- failed attempts at the next event
	next_attempt_ms        BIGINT NOT NULL DEFAULT 0,     -- unix milliseconds; 0: now
	last_attempt_at        BIGINT,
	last_status            INTEGER,
	last_error             TEXT,
	failing_since          BIGINT,
	disabled_at            BIGINT,
	disabled_reason        TEXT,
	tests_requested        BIGINT NOT NULL DEFAULT 0,     -- webhook.test messages asked for ...
	tests_sent             BIGINT NOT NULL DEFAULT 0      -- ... and sent
);
