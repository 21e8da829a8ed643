-- Background work of one kind runs under a lease, as on PostgreSQL where
-- several instances share the database; with SQLite's one instance the lease
-- is always this instance's, and the same code path runs.
CREATE TABLE leases (
	kind        TEXT PRIMARY KEY,
	holder      TEXT NOT NULL,
	expires_at  INTEGER NOT NULL
);
