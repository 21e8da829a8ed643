-- An installation's history is found by its row (installations.seq), not by
-- its GUID. GUIDs are random, so every event about a new installation landed
-- on a random page of the GUID index, and each such page is one more page
-- written and synced per callback. A new installation's seq is the largest,
-- so its events now extend the index at its end. Events that name a GUID no
-- installation has (a denial, an unknown link) are left out of the index:
-- GET /api/v1/installations/{id} answers 404 for such a GUID anyway.
ALTER TABLE events ADD COLUMN installation_seq INTEGER;
UPDATE events SET installation_seq =
	(SELECT seq FROM installations WHERE installations.installation_id = events.installation_id)
	WHERE installation_id IS NOT NULL;
DROP INDEX events_installation;
CREATE INDEX events_installation_seq ON events (installation_seq, id)
	WHERE installation_seq IS NOT NULL;
