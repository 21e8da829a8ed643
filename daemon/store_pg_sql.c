/*
 * store_pg_sql.c — the text of every SQL statement of the PostgreSQL engine,
 * indexed by enum pg_stmt. Each is prepared once per connection; values are
 * always bound, as text (or as bytes for token hashes).
 */
#include "store_columns.h"
#include "store_pg.h"

/* The oldest rows each kind of purge deletes, one batch of them: $1 the
 * cutoff time, $2 the batch size, in the order of their index. An event an
 * enabled webhook endpoint has yet to deliver stays (accessd_purge_limit,
 * schema/postgresql/004_retention.sql). */
#define UNDELIVERED_KEPT "id <= (SELECT accessd_purge_limit())"
#define PURGE_EVENTS_BATCH                                                                  \
	"SELECT id FROM events WHERE at < $1::bigint AND " UNDELIVERED_KEPT                  \
	" ORDER BY at, id LIMIT $2::bigint"
#define PURGE_REJECTED_BATCH                                                                \
	"SELECT id FROM events WHERE type IN ('callback.invalid', 'callback.unknown', "      \
	"'callback.late') AND at < $1::bigint AND " UNDELIVERED_KEPT                          \
	" ORDER BY at, id LIMIT $2::bigint"
#define REQUEST_ENDED_AT                                                                    \
	"(CASE status WHEN 'cancelled' THEN coalesce(cancelled_at, expires_at) "              \
	"WHEN 'expired' THEN expires_at ELSE completed_at END)"
#define PURGE_REQUESTS_BATCH                                                                \
	"SELECT seq FROM access_requests WHERE status IN ('granted', 'denied', 'expired', "  \
	"'cancelled') AND " REQUEST_ENDED_AT " < $1::bigint ORDER BY " REQUEST_ENDED_AT      \
	", seq LIMIT $2::bigint"
#define PURGE_INSTALLATIONS_BATCH                                                           \
	"SELECT seq FROM installations WHERE status = 'revoked' AND revoked_at < $1::bigint " \
	"ORDER BY revoked_at, seq LIMIT $2::bigint"
/* Deleting a batch of events moves the purge horizon in the same statement. */
#define PURGE_EVENTS_WITH(batch)                                                            \
	"WITH gone AS (DELETE FROM events WHERE id IN (" batch ") RETURNING id), "           \
	"mark AS (UPDATE event_purge SET purged_through = greatest(purged_through, "          \
	"(SELECT coalesce(max(id), 0) FROM gone)) WHERE id = 1) SELECT count(*) FROM gone"
/* A JSON array of ids, $N, as a set. */
#define JSON_IDS(n) "(SELECT json_array_elements_text(" n "::json))"

/* Whether an event's type is one an endpoint wants: $N is its types (a JSON
 * array) or NULL for all. */
#define WEBHOOK_WANTS(types) "(" types "::text IS NULL OR " types "::jsonb ? type)"

/* The status a reader sees: an open request past its expiry is expired even
 * before the expiry pass has stored it. */
#define EFFECTIVE_STATUS(now)                                                               \
	"(CASE WHEN status IN ('pending', 'opened') AND expires_at <= " now                  \
	" THEN 'expired' ELSE status END)"

const struct pg_stmt_text store_pg_sql[PG_STMT_COUNT] = {
	[PG_READY_PROBE] = { 1,
		"INSERT INTO health (id, checked_at) VALUES (1, $1::bigint) "
		"ON CONFLICT (id) DO UPDATE SET checked_at = greatest(excluded.checked_at, health.checked_at + 1)" },

	[PG_REQUEST_INSERT] = { 13,
		"INSERT INTO access_requests (id, token_hash, reference, installation_type, "
		"installation_id, partner_name, lang, show_existing, return_to, created_at, expires_at, "
		"lang_given, ttl) VALUES ($1::text, $2::bytea, $3::text, $4::integer, $5::text, $6::text, "
		"$7::text, $8::integer, $9::text, $10::bigint, $11::bigint, $12::integer, $13::bigint) "
		"RETURNING seq" },
	[PG_REQUEST_BY_ID] = { 1, "SELECT " REQUEST_COLUMNS " FROM access_requests WHERE id = $1::text" },
	[PG_REQUEST_BY_TOKEN] = { 1, "SELECT " REQUEST_COLUMNS " FROM access_requests WHERE token_hash = $1::bytea" },
	[PG_REQUEST_LIST] = { 5,
		"SELECT " REQUEST_COLUMNS " FROM access_requests "
		"WHERE seq < $1::bigint AND ($2::text IS NULL OR reference = $2::text) "
		"AND ($3::text IS NULL OR " EFFECTIVE_STATUS("$4::bigint") " = $3::text) "
		"ORDER BY seq DESC LIMIT $5::bigint" },
	[PG_REQUEST_SET_OPENED] = { 2,
		"UPDATE access_requests SET status = 'opened', opened_at = $2::bigint "
		"WHERE seq = $1::bigint AND opened_at IS NULL AND status = 'pending'" },
	[PG_REQUEST_SET_TOKEN] = { 3,
		"UPDATE access_requests SET token_hash = $2::bytea, expires_at = $3::bigint, "
		"status = CASE WHEN status IN ('expired', 'denied', 'cancelled') THEN "
		"(CASE WHEN opened_at IS NULL THEN 'pending' ELSE 'opened' END) ELSE status END, "
		"completed_at = NULL, result_success = NULL, result_installation_id = NULL "
		"WHERE seq = $1::bigint" },
	[PG_REQUEST_COMPLETE] = { 5,
		"UPDATE access_requests SET status = $2::text, completed_at = $3::bigint, "
		"result_success = $4::integer, result_installation_id = $5::text WHERE seq = $1::bigint" },
	[PG_REQUEST_DUE_EXPIRY] = { 2,
		"SELECT seq, id, reference FROM access_requests "
		"WHERE status IN ('pending', 'opened') AND expires_at <= $1::bigint LIMIT $2::bigint" },
	[PG_REQUEST_SET_EXPIRED] = { 1,
		"UPDATE access_requests SET status = 'expired' "
		"WHERE seq = $1::bigint AND status IN ('pending', 'opened')" },
	[PG_REQUEST_CANCEL] = { 1,
		"UPDATE access_requests SET status = 'cancelled', "
		"cancelled_at = extract(epoch FROM now())::bigint "
		"WHERE seq = $1::bigint AND status NOT IN ('granted', 'contested', 'cancelled')" },
	[PG_REQUEST_COUNT_BY_STATUS] = { 0,
		"SELECT " EFFECTIVE_STATUS("extract(epoch FROM now())::bigint") " AS s, count(*) "
		"FROM access_requests GROUP BY s" },

	[PG_INSTALLATION_BY_ID] = { 1,
		"SELECT " INSTALLATION_COLUMNS " FROM installations WHERE installation_id = $1::text" },
	[PG_INSTALLATION_UPSERT_GRANT] = { 6,
		"INSERT INTO installations (installation_id, status, installation_type, reference, "
		"request_id, granted_at, updated_at) VALUES ($1::text, $2::text, $3::integer, $4::text, "
		"$5::text, $6::bigint, $6::bigint) "
		"ON CONFLICT (installation_id) DO UPDATE SET status = excluded.status, "
		"installation_type = excluded.installation_type, reference = excluded.reference, "
		"request_id = excluded.request_id, granted_at = excluded.granted_at, "
		"updated_at = excluded.updated_at, revoked_at = NULL, verified_at = NULL, "
		"name = NULL, roles = NULL, last_error = NULL" },
	[PG_INSTALLATION_LIST] = { 4,
		"SELECT " INSTALLATION_COLUMNS " FROM installations "
		"WHERE (updated_at, seq) < ($1::bigint, $2::bigint) AND updated_at >= $3::bigint "
		"ORDER BY updated_at DESC, seq DESC LIMIT $4::bigint" },
	[PG_INSTALLATION_LIST_STATUS] = { 5,
		"SELECT " INSTALLATION_COLUMNS " FROM installations "
		"WHERE status = $5::text AND (updated_at, seq) < ($1::bigint, $2::bigint) "
		"AND updated_at >= $3::bigint ORDER BY updated_at DESC, seq DESC LIMIT $4::bigint" },
	[PG_INSTALLATION_LIST_REFERENCE] = { 6,
		"SELECT " INSTALLATION_COLUMNS " FROM installations "
		"WHERE reference = $6::text AND (updated_at, seq) < ($1::bigint, $2::bigint) "
		"AND updated_at >= $3::bigint AND ($5::text IS NULL OR status = $5::text) "
		"ORDER BY updated_at DESC, seq DESC LIMIT $4::bigint" },
	[PG_INSTALLATION_REVOKE] = { 2,
		"UPDATE installations SET status = 'revoked', revoked_at = $2::bigint, updated_at = $2::bigint "
		"WHERE installation_id = $1::text AND status <> 'revoked'" },
	[PG_INSTALLATION_COUNT_BY_STATUS] = { 0, "SELECT status, count(*) FROM installations GROUP BY status" },
	[PG_INSTALLATION_SET_VERIFIED] = { 4,
		"UPDATE installations SET status = 'granted', verified_at = $2::bigint, updated_at = $2::bigint, "
		"name = $3::text, roles = $4::bigint, last_error = NULL "
		"WHERE installation_id = $1::text AND status = 'verifying'" },
	[PG_INSTALLATION_SET_UNCONFIRMED] = { 3,
		"UPDATE installations SET status = 'unconfirmed', updated_at = $2::bigint, last_error = $3::text "
		"WHERE installation_id = $1::text AND status = 'verifying'" },
	[PG_INSTALLATION_PROMOTE] = { 4,
		"UPDATE installations SET status = 'granted', verified_at = $2::bigint, updated_at = $2::bigint, "
		"name = $3::text, roles = $4::bigint, last_error = NULL "
		"WHERE installation_id = $1::text AND status IN ('unconfirmed', 'verifying')" },
	[PG_INSTALLATION_SET_LAST_ERROR] = { 2,
		"UPDATE installations SET last_error = $2::text "
		"WHERE installation_id = $1::text AND status = 'verifying'" },
	[PG_INSTALLATION_GRANTED_AFTER] = { 2,
		"SELECT seq, installation_id, updated_at FROM installations "
		"WHERE seq > $1::bigint AND status = 'granted' ORDER BY seq LIMIT $2::bigint" },
	[PG_INSTALLATION_INSERT_DISCOVERED] = { 5,
		"INSERT INTO installations (installation_id, status, installation_type, granted_at, "
		"updated_at, verified_at, name, roles) VALUES ($1::text, 'granted', $2::integer, $3::bigint, "
		"$3::bigint, $3::bigint, $4::text, $5::bigint) ON CONFLICT (installation_id) DO NOTHING" },

	[PG_VERIFICATION_QUEUE] = { 2,
		"INSERT INTO verifications (installation_id, queued_at, next_attempt_at, attempts) "
		"VALUES ($1::text, $2::bigint, $2::bigint, 0) ON CONFLICT (installation_id) DO UPDATE SET "
		"queued_at = excluded.queued_at, next_attempt_at = excluded.next_attempt_at, "
		"attempts = 0, last_error = NULL" },
	[PG_VERIFICATION_DUE] = { 2,
		"SELECT installation_id, queued_at, attempts FROM verifications "
		"WHERE next_attempt_at <= $1::bigint ORDER BY next_attempt_at LIMIT $2::bigint" },
	[PG_VERIFICATION_RESCHEDULE] = { 5,
		"UPDATE verifications SET next_attempt_at = $4::bigint, attempts = attempts + 1, "
		"last_error = $5::text "
		"WHERE installation_id = $1::text AND queued_at = $2::bigint AND attempts = $3::integer" },
	[PG_VERIFICATION_FINISH] = { 3,
		"DELETE FROM verifications "
		"WHERE installation_id = $1::text AND queued_at = $2::bigint AND attempts = $3::integer" },
	[PG_VERIFICATION_CANCEL] = { 1, "DELETE FROM verifications WHERE installation_id = $1::text" },
	[PG_VERIFICATION_STATS] = { 0, "SELECT count(*), coalesce(min(queued_at), 0) FROM verifications" },

	/* The id comes from the counter row, whose lock this transaction now holds
	 * until it ends: ids are given in commit order across all instances. */
	[PG_EVENT_INSERT] = { 6,
		"WITH c AS (UPDATE event_counter SET last = last + 1 WHERE id = 1 RETURNING last) "
		"INSERT INTO events (id, at, type, request_id, installation_id, reference, detail, "
		"installation_seq) SELECT c.last, $1::bigint, $2::text, $3::text, $4::text, $5::text, "
		"$6::text, (SELECT seq FROM installations WHERE installation_id = $4::text) FROM c" },
	[PG_EVENT_LIST_AFTER] = { 2,
		"SELECT " EVENT_COLUMNS " FROM events WHERE id > $1::bigint ORDER BY id LIMIT $2::bigint" },
	[PG_EVENT_BY_INSTALLATION] = { 2,
		"SELECT " EVENT_COLUMNS " FROM events "
		"WHERE installation_seq = (SELECT seq FROM installations WHERE installation_id = $1::text) "
		"ORDER BY id LIMIT $2::bigint" },

	/* Taken when free, expired, or already ours (a renewal). */
	[PG_LEASE_TAKE] = { 4,
		"INSERT INTO leases (kind, holder, expires_at) VALUES ($1::text, $2::text, $4::bigint) "
		"ON CONFLICT (kind) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
		"WHERE leases.holder = excluded.holder OR leases.expires_at <= $3::bigint" },
	[PG_LEASE_RELEASE] = { 2, "DELETE FROM leases WHERE kind = $1::text AND holder = $2::text" },

	/* A snapshot for reads that must agree with each other: a list and its
	 * feed position, the purge horizon and the events after it. */
	[PG_READ_BEGIN] = { 0, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" },
	[PG_READ_END] = { 0, "COMMIT" },
	[PG_EVENT_PURGED_THROUGH] = { 0, "SELECT purged_through FROM event_purge WHERE id = 1" },
	/* The counter's value is the newest id given, purged or not: every id up
	 * to it has committed, or the counter's row would still be locked. Never
	 * below the horizon, as on SQLite. */
	[PG_EVENT_NEWEST] = { 0,
		"SELECT greatest(last, (SELECT purged_through FROM event_purge WHERE id = 1)) "
		"FROM event_counter WHERE id = 1" },

	/* Each kind's batch is one statement, which returns how many it deleted. */
	[PG_PURGE_EVENTS] = { 2, PURGE_EVENTS_WITH(PURGE_EVENTS_BATCH) },
	[PG_PURGE_REJECTED] = { 2, PURGE_EVENTS_WITH(PURGE_REJECTED_BATCH) },
	/* An installation keeps its state when its request goes; it loses only
	 * the request's id. */
	[PG_PURGE_REQUESTS] = { 2,
		"WITH gone AS (DELETE FROM access_requests WHERE seq IN (" PURGE_REQUESTS_BATCH ") "
		"RETURNING id, installation_id, result_installation_id), "
		"unlink AS (UPDATE installations SET request_id = NULL WHERE request_id IN (SELECT id FROM gone) "
		"AND installation_id IN (SELECT installation_id FROM gone "
		"UNION SELECT result_installation_id FROM gone)) SELECT count(*) FROM gone" },
	/* A deleted installation's events leave its history, and its pending
	 * verification goes with it. */
	[PG_PURGE_INSTALLATIONS] = { 2,
		"WITH gone AS (DELETE FROM installations WHERE seq IN (" PURGE_INSTALLATIONS_BATCH ") "
		"RETURNING seq, installation_id), "
		"history AS (UPDATE events SET installation_seq = NULL WHERE installation_seq IN "
		"(SELECT seq FROM gone)), "
		"queue AS (DELETE FROM verifications WHERE installation_id IN (SELECT installation_id FROM gone)) "
		"SELECT count(*) FROM gone" },

	/* Erasure: $1 the reference, $2 the installation id (one of them NULL).
	 * In id order, so that two reads of the same rows compare equal. */
	[PG_ERASE_FIND_REQUESTS] = { 2,
		"SELECT id FROM access_requests WHERE reference = $1::text "
		"OR installation_id = $2::text OR result_installation_id = $2::text ORDER BY id COLLATE \"C\"" },
	[PG_ERASE_FIND_INSTALLATIONS] = { 2,
		"SELECT installation_id FROM installations WHERE reference = $1::text OR installation_id = $2::text "
		"ORDER BY installation_id COLLATE \"C\"" },
	/* The events of what is erased: by their columns, by the
	 * erased requests and installations ($3, $4: JSON arrays of ids), and by
	 * their detail: $5 the reference as a JSON string, and $2 or an erased
	 * installation in a raw query of any case. Nothing indexes these: it
	 * reads every event. Locked: a purge or another erasure waits. */
	[PG_ERASE_FIND_EVENTS] = { 5,
		"SELECT id, detail FROM events WHERE (reference = $1::text "
		"OR installation_id = $2::text OR request_id IN " JSON_IDS("$3")
		" OR installation_id IN " JSON_IDS("$4")
		" OR strpos(detail, $5::text) > 0 OR strpos(lower(detail), $2::text) > 0 "
		"OR EXISTS (SELECT 1 FROM json_array_elements_text($4::json) v "
		"WHERE strpos(lower(events.detail), v) > 0)) ORDER BY id FOR UPDATE" },
	/* $1 id, $2 the stripped detail; an event already stripped is unchanged. */
	[PG_ERASE_STRIP_EVENT] = { 2,
		"UPDATE events SET reference = NULL, installation_id = NULL, installation_seq = NULL, "
		"detail = $2::text WHERE id = $1::bigint AND (reference IS NOT NULL "
		"OR installation_id IS NOT NULL OR installation_seq IS NOT NULL OR detail IS DISTINCT FROM $2::text)" },
	[PG_ERASE_UNLINK_INSTALLATIONS] = { 1,
		"UPDATE installations SET request_id = NULL WHERE request_id IN " JSON_IDS("$1") },
	[PG_ERASE_VERIFICATIONS] = { 1, "DELETE FROM verifications WHERE installation_id IN " JSON_IDS("$1") },
	[PG_ERASE_INSTALLATIONS] = { 1, "DELETE FROM installations WHERE installation_id IN " JSON_IDS("$1") },
	[PG_ERASE_REQUESTS] = { 1, "DELETE FROM access_requests WHERE id IN " JSON_IDS("$1") },

	/* Every id up to the newest one seen has committed (the counter gives
	 * ids in commit order): a reader that moves its cursor to it skips
	 * nothing. */
	[PG_EVENT_BOUNDS] = { 0,
		"SELECT CASE WHEN purged_through > 0 THEN purged_through + 1 ELSE 0 END, "
		"greatest(coalesce((SELECT max(id) FROM events), 0), purged_through) "
		"FROM event_purge WHERE id = 1" },
	/* A new endpoint starts at the log's end: it receives what happens from
	 * now on (a replay reaches back). */
	[PG_WEBHOOK_INSERT] = { 6,
		"INSERT INTO webhook_endpoints (id, url, types, description, created_at, secret, "
		"delivered_through) VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text, "
		"(SELECT coalesce(max(id), 0) FROM events))" },
	[PG_WEBHOOK_BY_ID] = { 1, "SELECT " WEBHOOK_COLUMNS " FROM webhook_endpoints WHERE id = $1::text" },
	/* In the writer's transaction: the API's read-modify-write of an endpoint
	 * holds the row until it commits, so an advance by the instance that
	 * delivers (or another API call) is neither overwritten nor lost. */
	[PG_WEBHOOK_BY_ID_LOCKED] = { 1,
		"SELECT " WEBHOOK_COLUMNS " FROM webhook_endpoints WHERE id = $1::text FOR UPDATE" },
	[PG_WEBHOOK_LIST] = { 0, "SELECT " WEBHOOK_COLUMNS " FROM webhook_endpoints ORDER BY seq" },
	[PG_WEBHOOK_COUNT] = { 0, "SELECT count(*) FROM webhook_endpoints" },
	[PG_WEBHOOK_SAVE] = { 16,
		"UPDATE webhook_endpoints SET url = $2::text, types = $3::text, description = $4::text, "
		"enabled = $5::integer, secret = $6::text, previous_secret = $7::text, "
		"previous_secret_until = $8::bigint, delivered_through = $9::bigint, revision = $10::bigint, "
		"attempts = $11::integer, next_attempt_ms = $12::bigint, failing_since = $13::bigint, "
		"disabled_at = $14::bigint, disabled_reason = $15::text, tests_requested = $16::bigint "
		"WHERE id = $1::text" },
	[PG_WEBHOOK_DELETE] = { 1, "DELETE FROM webhook_endpoints WHERE id = $1::text" },
	/* The outcomes of an attempt apply only while the cursor is where the
	 * attempt started from ($2) and the endpoint's revision is the one it
	 * read ($6): a replay or a change meanwhile wins. */
	[PG_WEBHOOK_ADVANCE] = { 6,
		"UPDATE webhook_endpoints SET delivered_through = $3::bigint, attempts = 0, next_attempt_ms = 0, "
		"failing_since = NULL, last_attempt_at = $4::bigint, last_status = $5::integer, last_error = NULL "
		"WHERE id = $1::text AND delivered_through = $2::bigint AND revision = $6::bigint" },
	[PG_WEBHOOK_FAILED] = { 7,
		"UPDATE webhook_endpoints SET attempts = attempts + 1, next_attempt_ms = $3::bigint, "
		"failing_since = coalesce(failing_since, $4::bigint), last_attempt_at = $4::bigint, "
		"last_status = $5::integer, last_error = $6::text "
		"WHERE id = $1::text AND delivered_through = $2::bigint AND revision = $7::bigint AND enabled = 1" },
	[PG_WEBHOOK_DISABLE] = { 5,
		"UPDATE webhook_endpoints SET enabled = 0, disabled_at = $2::bigint, disabled_reason = $3::text, "
		"last_attempt_at = $2::bigint, last_status = $4::integer, last_error = $5::text, "
		"failing_since = coalesce(failing_since, $2::bigint) WHERE id = $1::text AND enabled = 1" },
	[PG_WEBHOOK_TESTS_SENT] = { 2,
		"UPDATE webhook_endpoints SET tests_sent = greatest(tests_sent, $2::bigint) WHERE id = $1::text" },
	/* The first wanted event in ($1, $3], $3 being the newest id the worker
	 * saw: all committed, none still to come below it. */
	[PG_WEBHOOK_NEXT_EVENT] = { 3,
		"SELECT " EVENT_COLUMNS " FROM events WHERE id > $1::bigint AND id <= $3::bigint AND "
		WEBHOOK_WANTS("$2") " ORDER BY id LIMIT 1" },
	[PG_WEBHOOK_PENDING] = { 2,
		"SELECT count(*) FROM events WHERE id > $1::bigint AND " WEBHOOK_WANTS("$2") },
};
