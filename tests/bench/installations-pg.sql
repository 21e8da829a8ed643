-- The PostgreSQL twin of installations.sql: :rows granted (and some revoked or
-- unconfirmed) installations with random lowercase GUIDs, customer references
-- shared by a few installations each, updates spread over two years.
-- Run with psql on a migrated database: psql -v rows=1000000 -f installations-pg.sql
\set ON_ERROR_STOP on
SET synchronous_commit = off;
INSERT INTO installations (installation_id, status, installation_type, reference,
			   request_id, granted_at, updated_at, revoked_at)
SELECT gen_random_uuid()::text,
       CASE WHEN kind < 8 THEN 'revoked' WHEN kind < 11 THEN 'unconfirmed' ELSE 'granted' END,
       CASE WHEN kind % 10 = 0 THEN 0 ELSE 1 END,
       'customer-' || lpad(floor(random() * 700000)::int::text, 7, '0'),
       gen_random_uuid()::text,
       now_s - age - 86400,
       now_s - age,
       CASE WHEN kind < 8 THEN now_s - age END
FROM (SELECT floor(random() * 63072000)::bigint AS age,          -- up to two years old
	     floor(random() * 100)::int AS kind,
	     extract(epoch FROM now())::bigint AS now_s
      FROM generate_series(1, :rows)) AS r;
-- What autovacuum would have done by the time a deployment has this many rows.
VACUUM ANALYZE installations;
