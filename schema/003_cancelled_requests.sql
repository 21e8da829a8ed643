-- Access requests may now be cancelled by the partner (and, per the contract,
-- contested when their installation is bound to another customer). SQLite
-- cannot change a CHECK constraint in place, so the table is rebuilt with the
-- same columns, rows and seq values (the list cursor and the history refer to
-- them), and its indexes are made again.
CREATE TABLE access_requests_new (
	seq                    INTEGER PRIMARY KEY,
	id                     TEXT NOT NULL UNIQUE,
	token_hash             BLOB NOT NULL UNIQUE,
	reference              TEXT,
	installation_type      INTEGER NOT NULL CHECK (installation_type IN (0, 1)),
	installation_id        TEXT,
	partner_name           TEXT NOT NULL,
	lang                   TEXT NOT NULL,
	lang_given             INTEGER NOT NULL DEFAULT 0,
	show_existing          INTEGER NOT NULL DEFAULT 0,
	return_to              TEXT,
	status                 TEXT NOT NULL DEFAULT 'pending'
	                       CHECK (status IN ('pending', 'opened', 'granted', 'denied', 'expired',
	                                         'cancelled', 'contested')),
	created_at             INTEGER NOT NULL,
	expires_at             INTEGER NOT NULL,
	opened_at              INTEGER,
	completed_at           INTEGER,
	result_success         INTEGER,
	result_installation_id TEXT
);
INSERT INTO access_requests_new (seq, id, token_hash, reference, installation_type,
	installation_id, partner_name, lang, lang_given, show_existing, return_to, status,
	created_at, expires_at, opened_at, completed_at, result_success, result_installation_id)
	SELECT seq, id, token_hash, reference, installation_type, installation_id, partner_name,
	lang, lang_given, show_existing, return_to, status, created_at, expires_at, opened_at,
	completed_at, result_success, result_installation_id FROM access_requests;
DROP TABLE access_requests;
ALTER TABLE access_requests_new RENAME TO access_requests;
CREATE INDEX access_requests_reference ON access_requests (reference, seq);
CREATE INDEX access_requests_open_expiry ON access_requests (expires_at)
	WHERE status IN ('pending', 'opened');
