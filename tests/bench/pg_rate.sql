-- pgbench script: the reference for durable callbacks on PostgreSQL, one row a
-- transaction, each committed on its own (fsync and synchronous_commit on), a
-- row the size of sqlite_rate.c's. The table is made by tests/bench/run.sh.
INSERT INTO rate_rows (at, reference, detail) VALUES (extract(epoch FROM now())::bigint, 'bench-rate', '{"query":"success=true&installationId=0b6f8f2e-3d55-4c1a-9a7e-5d2b8c4f1a90","classification":"granted"}');
