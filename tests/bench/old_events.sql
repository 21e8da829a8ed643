-- Adds one million events older than the default event_retention (90 days),
-- as a busy partner's log would hold after a campaign long ago: callback hits
-- of the daemon's own shape (request, installation, reference, the raw query
-- and client address in detail), at times spread over a day 200 days back.
-- Run with the sqlite3 CLI on a migrated database: sqlite3 DB < old_events.sql
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000),
rows AS MATERIALIZED (
	SELECT i, lower(hex(randomblob(16))) AS g, lower(hex(randomblob(16))) AS r FROM n
)
INSERT INTO events (at, type, request_id, installation_id, reference, detail)
SELECT CAST(strftime('%s', 'now') AS INTEGER) - 200 * 86400 + i * 86400 / 1000000,
       CASE i % 10 WHEN 0 THEN 'callback.unknown' WHEN 1 THEN 'request.created' ELSE 'callback.granted' END,
       substr(r, 1, 8) || '-' || substr(r, 9, 4) || '-4' || substr(r, 14, 3) || '-a' ||
       substr(r, 18, 3) || '-' || substr(r, 21, 12),
       substr(g, 1, 8) || '-' || substr(g, 9, 4) || '-' || substr(g, 13, 4) || '-' ||
       substr(g, 17, 4) || '-' || substr(g, 21, 12),
       printf('customer-%07d', i % 700000),
       json_object('query', 'success=true&installationId=' || g, 'client', '203.0.113.' || (i % 250))
FROM rows;
COMMIT;
