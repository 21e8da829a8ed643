-- Fills the installations table with :rows (one million in 'make bench') granted (and some revoked or
-- unconfirmed) installations, as a partner with a large customer base would
-- have after a few years: random lowercase GUIDs, customer references shared
-- by a few installations each, updates spread over two years.
-- Run with the sqlite3 CLI on a migrated database:
--   sqlite3 -cmd '.parameter set :rows 1000000' DB < installations.sql
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows),
rows AS MATERIALIZED (
	SELECT i,
	       lower(hex(randomblob(16))) AS g,
	       lower(hex(randomblob(16))) AS r,
	       abs(random()) % 63072000 AS age,        -- up to two years old
	       abs(random()) % 100 AS kind
	FROM n
)
INSERT INTO installations (installation_id, status, installation_type, reference,
			   request_id, granted_at, updated_at, revoked_at)
SELECT substr(g, 1, 8) || '-' || substr(g, 9, 4) || '-' || substr(g, 13, 4) || '-' ||
       substr(g, 17, 4) || '-' || substr(g, 21, 12),
       CASE WHEN kind < 8 THEN 'revoked' WHEN kind < 11 THEN 'unconfirmed' ELSE 'granted' END,
       CASE WHEN kind % 10 = 0 THEN 0 ELSE 1 END,
       printf('customer-%07d', abs(random()) % 700000),
       substr(r, 1, 8) || '-' || substr(r, 9, 4) || '-4' || substr(r, 14, 3) || '-a' ||
       substr(r, 18, 3) || '-' || substr(r, 21, 12),
       CAST(strftime('%s', 'now') AS INTEGER) - age - 86400,
       CAST(strftime('%s', 'now') AS INTEGER) - age,
       CASE WHEN kind < 8 THEN CAST(strftime('%s', 'now') AS INTEGER) - age END
FROM rows;
COMMIT;
