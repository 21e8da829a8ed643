/*
 * store_pg_sql.c — the text of every SQL statement of the PostgreSQL engine,
 * indexed by enum pg_stmt. Each is prepared once per connection; values are
 * always bound, as text (or as bytes for token hashes).
 */
#include "store_pg.h"

/* Every read of a request or an installation returns these columns, in this
 * order (store_pg_requests.c and store_pg_installations.c read them by
 * position). */
#define REQUEST_COLUMNS                                                                    \
	"seq, id, reference, installation_type, installation_id, partner_name, lang, "   \
	"show_existing, return_to, status, created_at, expires_at, opened_at, "           \
	"completed_at, result_success, result_installation_id, lang_given, ttl"
#define INSTALLATION_COLUMNS                                                                \
	"seq, installation_id, status, installation_type, reference, request_id, "        \
	"granted_at, updated_at, revoked_at, verified_at, name, roles, last_error"
#define EVENT_COLUMNS "id, at, type, request_id, installation_id, reference, detail"

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
		"UPDATE access_requests SET status = 'cancelled' "
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
};
