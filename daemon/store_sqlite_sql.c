/*
 * store_sqlite_sql.c — the text of every SQL statement of the SQLite engine,
 * indexed by enum sqlite_stmt. Nothing else in the daemon holds SQLite's SQL,
 * and no statement is ever built from input: values are bound.
 */
#include "store_columns.h"
#include "store_sqlite.h"

/* Whether an event's type is one an endpoint wants: ?N is its types (a JSON
 * array) or NULL for all. */
#define WEBHOOK_WANTS(types) "(" types " IS NULL OR type IN (SELECT value FROM json_each(" types ")))"

/* The oldest rows each kind of purge deletes, one batch of them: ?1 the
 * cutoff time, ?2 the batch size. Each orders by the column of its index so
 * that it walks it. An event an enabled webhook endpoint has yet to deliver
 * stays until it is delivered. */
#define UNDELIVERED_KEPT                                                                    \
	"id <= (SELECT coalesce(min(delivered_through), 9223372036854775807) "               \
	"FROM webhook_endpoints WHERE enabled = 1)"
#define PURGE_EVENTS_BATCH                                                                  \
	"SELECT id FROM events WHERE at < ?1 AND " UNDELIVERED_KEPT " ORDER BY at, id LIMIT ?2"
#define PURGE_REJECTED_BATCH                                                                \
	"SELECT id FROM events WHERE type IN ('callback.invalid', 'callback.unknown', "      \
	"'callback.late') AND at < ?1 AND " UNDELIVERED_KEPT " ORDER BY at, id LIMIT ?2"
#define REQUEST_ENDED_AT                                                                    \
	"(CASE status WHEN 'cancelled' THEN coalesce(cancelled_at, expires_at) "              \
	"WHEN 'expired' THEN expires_at ELSE completed_at END)"
#define PURGE_REQUESTS_BATCH                                                                \
	"SELECT seq FROM access_requests WHERE status IN ('granted', 'denied', 'expired', "  \
	"'cancelled') AND " REQUEST_ENDED_AT " < ?1 ORDER BY " REQUEST_ENDED_AT ", seq LIMIT ?2"
#define PURGE_INSTALLATIONS_BATCH                                                           \
	"SELECT seq FROM installations WHERE status = 'revoked' AND revoked_at < ?1 "        \
	"ORDER BY revoked_at, seq LIMIT ?2"

/* The status a reader sees: an open request past its expiry is expired even
 * before the expiry pass has stored it. ?N is the current time. */
#define EFFECTIVE_STATUS(now)                                                               \
	"(CASE WHEN status IN ('pending', 'opened') AND expires_at <= " now                  \
	" THEN 'expired' ELSE status END)"

const char *const store_sqlite_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_SAVEPOINT] = "SAVEPOINT job",
	[STMT_RELEASE] = "RELEASE job",
	[STMT_ROLLBACK_TO] = "ROLLBACK TO job",
	/* The value must change on every probe: SQLite skips rewriting a row whose
	 * bytes are the same, and such a commit writes nothing, so a second probe
	 * within the same second would pass on a full disk. */
	[STMT_READY_PROBE] =
		"INSERT INTO health (id, checked_at) VALUES (1, ?1) "
		"ON CONFLICT (id) DO UPDATE SET checked_at = max(excluded.checked_at, checked_at + 1)",

	[STMT_REQUEST_INSERT] =
		"INSERT INTO access_requests (id, token_hash, reference, installation_type, "
		"installation_id, partner_name, lang, show_existing, return_to, created_at, expires_at, "
		"lang_given, ttl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[STMT_REQUEST_BY_ID] = "SELECT " REQUEST_COLUMNS " FROM access_requests WHERE id = ?1",
	[STMT_REQUEST_BY_TOKEN] = "SELECT " REQUEST_COLUMNS " FROM access_requests WHERE token_hash = ?1",
	/* ?1 cursor (seq, exclusive), ?2 reference or NULL, ?3 status or NULL, ?4 now, ?5 limit */
	[STMT_REQUEST_LIST] =
		"SELECT " REQUEST_COLUMNS " FROM access_requests "
		"WHERE seq < ?1 AND (?2 IS NULL OR reference = ?2) "
		"AND (?3 IS NULL OR " EFFECTIVE_STATUS("?4") " = ?3) "
		"ORDER BY seq DESC LIMIT ?5",
	[STMT_REQUEST_SET_OPENED] =
		"UPDATE access_requests SET status = 'opened', opened_at = ?2 "
		"WHERE seq = ?1 AND opened_at IS NULL AND status = 'pending'",
	/* A reissue opens the request again: an expired, denied or cancelled one
	 * becomes pending (or opened, once clicked) and forgets its answer. Never
	 * run for a granted or contested request. */
	[STMT_REQUEST_SET_TOKEN] =
		"UPDATE access_requests SET token_hash = ?2, expires_at = ?3, "
		"status = CASE WHEN status IN ('expired', 'denied', 'cancelled') THEN "
		"(CASE WHEN opened_at IS NULL THEN 'pending' ELSE 'opened' END) ELSE status END, "
		"completed_at = NULL, result_success = NULL, result_installation_id = NULL "
		"WHERE seq = ?1",
	[STMT_REQUEST_COMPLETE] =
		"UPDATE access_requests SET status = ?2, completed_at = ?3, result_success = ?4, "
		"result_installation_id = ?5 WHERE seq = ?1",
	[STMT_REQUEST_DUE_EXPIRY] =
		"SELECT seq, id, reference FROM access_requests "
		"WHERE status IN ('pending', 'opened') AND expires_at <= ?1 LIMIT ?2",
	[STMT_REQUEST_SET_EXPIRED] =
		"UPDATE access_requests SET status = 'expired' "
		"WHERE seq = ?1 AND status IN ('pending', 'opened')",
	/* Only a request that has not ended in a grant may be cancelled. */
	/* The time of cancelling is kept for the retention of ended requests. */
	[STMT_REQUEST_CANCEL] =
		"UPDATE access_requests SET status = 'cancelled', cancelled_at = unixepoch() "
		"WHERE seq = ?1 AND status NOT IN ('granted', 'contested', 'cancelled')",
	[STMT_REQUEST_COUNT_BY_STATUS] =
		"SELECT " EFFECTIVE_STATUS("unixepoch()") " AS s, count(*) FROM access_requests GROUP BY s",

	[STMT_INSTALLATION_BY_ID] =
		"SELECT " INSTALLATION_COLUMNS " FROM installations WHERE installation_id = ?1",
	/* ?1 id, ?2 status, ?3 type, ?4 reference, ?5 request id, ?6 now. What the
	 * previous binding learnt from Zaptec (name, roles) is not the new one's. */
	[STMT_INSTALLATION_UPSERT_GRANT] =
		"INSERT INTO installations (installation_id, status, installation_type, reference, "
		"request_id, granted_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
		"ON CONFLICT (installation_id) DO UPDATE SET status = excluded.status, "
		"installation_type = excluded.installation_type, reference = excluded.reference, "
		"request_id = excluded.request_id, granted_at = excluded.granted_at, "
		"updated_at = excluded.updated_at, revoked_at = NULL, verified_at = NULL, "
		"name = NULL, roles = NULL, last_error = NULL",
	/* ?1 ?2 cursor (updated_at, seq), exclusive; ?3 updatedSince; ?4 status or NULL;
	 * ?5 limit. Three shapes, so each filter walks its own index. */
	[STMT_INSTALLATION_LIST] =
		"SELECT " INSTALLATION_COLUMNS " FROM installations "
		"WHERE (updated_at, seq) < (?1, ?2) AND updated_at >= ?3 "
		"ORDER BY updated_at DESC, seq DESC LIMIT ?5",
	[STMT_INSTALLATION_LIST_STATUS] =
		"SELECT " INSTALLATION_COLUMNS " FROM installations "
		"WHERE status = ?4 AND (updated_at, seq) < (?1, ?2) AND updated_at >= ?3 "
		"ORDER BY updated_at DESC, seq DESC LIMIT ?5",
	[STMT_INSTALLATION_LIST_REFERENCE] =
		"SELECT " INSTALLATION_COLUMNS " FROM installations "
		"WHERE reference = ?6 AND (updated_at, seq) < (?1, ?2) AND updated_at >= ?3 "
		"AND (?4 IS NULL OR status = ?4) "
		"ORDER BY updated_at DESC, seq DESC LIMIT ?5",
	[STMT_INSTALLATION_REVOKE] =
		"UPDATE installations SET status = 'revoked', revoked_at = ?2, updated_at = ?2 "
		"WHERE installation_id = ?1 AND status <> 'revoked'",
	[STMT_INSTALLATION_COUNT_BY_STATUS] =
		"SELECT status, count(*) FROM installations GROUP BY status",
	/* The verifier's outcomes apply only to a row still waiting for them: an
	 * installation revoked meanwhile stays revoked. ?1 id, ?2 now. */
	[STMT_INSTALLATION_SET_VERIFIED] =
		"UPDATE installations SET status = 'granted', verified_at = ?2, updated_at = ?2, "
		"name = ?3, roles = ?4, last_error = NULL WHERE installation_id = ?1 AND status = 'verifying'",
	[STMT_INSTALLATION_SET_UNCONFIRMED] =
		"UPDATE installations SET status = 'unconfirmed', updated_at = ?2, last_error = ?3 "
		"WHERE installation_id = ?1 AND status = 'verifying'",
	/* Reconciliation saw the installation listed: a grant the API showed late.
	 * ?1 id, ?2 now, ?3 name, ?4 roles */
	[STMT_INSTALLATION_PROMOTE] =
		"UPDATE installations SET status = 'granted', verified_at = ?2, updated_at = ?2, "
		"name = ?3, roles = ?4, last_error = NULL "
		"WHERE installation_id = ?1 AND status IN ('unconfirmed', 'verifying')",
	/* A retry changes no status, so updated_at stays: feeds do not churn. */
	[STMT_INSTALLATION_SET_LAST_ERROR] =
		"UPDATE installations SET last_error = ?2 WHERE installation_id = ?1 AND status = 'verifying'",
	/* Reconciliation walks granted rows in seq order: ?1 seq (exclusive), ?2 limit. */
	[STMT_INSTALLATION_GRANTED_AFTER] =
		"SELECT seq, installation_id, updated_at FROM installations "
		"WHERE seq > ?1 AND status = 'granted' ORDER BY seq LIMIT ?2",
	/* ?1 id, ?2 type or NULL, ?3 now, ?4 name, ?5 roles */
	[STMT_INSTALLATION_INSERT_DISCOVERED] =
		"INSERT INTO installations (installation_id, status, installation_type, granted_at, "
		"updated_at, verified_at, name, roles) VALUES (?1, 'granted', ?2, ?3, ?3, ?3, ?4, ?5) "
		"ON CONFLICT (installation_id) DO NOTHING",

	[STMT_VERIFICATION_QUEUE] =
		"INSERT INTO verifications (installation_id, queued_at, next_attempt_at, attempts) "
		"VALUES (?1, ?2, ?2, 0) ON CONFLICT (installation_id) DO UPDATE SET "
		"queued_at = excluded.queued_at, next_attempt_at = excluded.next_attempt_at, "
		"attempts = 0, last_error = NULL",
	/* ?1 now, ?2 limit */
	[STMT_VERIFICATION_DUE] =
		"SELECT installation_id, queued_at, attempts FROM verifications "
		"WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2",
	/* ?1 id, ?2 queued_at and ?3 attempts as read: a grant queued again since
	 * then changed them, and its fresh verification must not take a stale
	 * result. ?4 next attempt, ?5 error. */
	[STMT_VERIFICATION_RESCHEDULE] =
		"UPDATE verifications SET next_attempt_at = ?4, attempts = attempts + 1, last_error = ?5 "
		"WHERE installation_id = ?1 AND queued_at = ?2 AND attempts = ?3",
	[STMT_VERIFICATION_FINISH] =
		"DELETE FROM verifications WHERE installation_id = ?1 AND queued_at = ?2 AND attempts = ?3",
	[STMT_VERIFICATION_CANCEL] = "DELETE FROM verifications WHERE installation_id = ?1",
	[STMT_VERIFICATION_STATS] = "SELECT count(*), min(queued_at) FROM verifications",

	[STMT_EVENT_INSERT] =
		"INSERT INTO events (at, type, request_id, installation_id, reference, detail, installation_seq) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT seq FROM installations WHERE installation_id = ?4))",
	[STMT_EVENT_LIST_AFTER] =
		"SELECT " EVENT_COLUMNS " FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
	[STMT_EVENT_BY_INSTALLATION] =
		"SELECT " EVENT_COLUMNS " FROM events "
		"WHERE installation_seq = (SELECT seq FROM installations WHERE installation_id = ?1) "
		"ORDER BY id LIMIT ?2",

	/* Taken when free, expired, or already ours (a renewal): ?1 kind,
	 * ?2 holder, ?3 now, ?4 new expiry. */
	/* A SQLite database is one instance's (several need PostgreSQL), so its
	 * leases are always this process's: one restarted after a crash takes
	 * them at once rather than waiting for its dead predecessor's to expire.
	 * ?3 (now) is unused here. */
	[STMT_LEASE_TAKE] =
		"INSERT INTO leases (kind, holder, expires_at) VALUES (?1, ?2, ?4) "
		"ON CONFLICT (kind) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
	[STMT_LEASE_RELEASE] = "DELETE FROM leases WHERE kind = ?1 AND holder = ?2",

	/* The feed's window: the oldest id it still answers for (0 while nothing
	 * was purged; the purge horizon plus one after: a rejected callback may go
	 * before older events, so the oldest row kept says less), and the newest
	 * id written, purged or not. A lone max() is answered from the index's
	 * end. */
	[STMT_EVENT_BOUNDS] =
		"SELECT CASE WHEN purged_through > 0 THEN purged_through + 1 ELSE 0 END, "
		"max(coalesce((SELECT max(id) FROM events), 0), purged_through) FROM event_purge WHERE id = 1",

	/* A new endpoint starts at the log's end: it receives what happens from
	 * now on (a replay reaches back). */
	[STMT_WEBHOOK_INSERT] =
		"INSERT INTO webhook_endpoints (id, url, types, description, created_at, secret, "
		"delivered_through) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		"(SELECT coalesce(max(id), 0) FROM events))",
	[STMT_WEBHOOK_BY_ID] = "SELECT " WEBHOOK_COLUMNS " FROM webhook_endpoints WHERE id = ?1",
	[STMT_WEBHOOK_LIST] = "SELECT " WEBHOOK_COLUMNS " FROM webhook_endpoints ORDER BY seq",
	[STMT_WEBHOOK_COUNT] = "SELECT count(*) FROM webhook_endpoints",
	/* Every column the API may change, by id. */
	[STMT_WEBHOOK_SAVE] =
		"UPDATE webhook_endpoints SET url = ?2, types = ?3, description = ?4, enabled = ?5, "
		"secret = ?6, previous_secret = ?7, previous_secret_until = ?8, delivered_through = ?9, "
		"revision = ?10, attempts = ?11, next_attempt_ms = ?12, failing_since = ?13, "
		"disabled_at = ?14, disabled_reason = ?15, tests_requested = ?16 WHERE id = ?1",
	[STMT_WEBHOOK_DELETE] = "DELETE FROM webhook_endpoints WHERE id = ?1",
	/* The outcomes of an attempt apply only while the cursor is where the
	 * attempt started from (?2) and the endpoint's revision is the one it
	 * read (?6): a replay or a change meanwhile wins. ?3 the event
	 * delivered, ?4 now, ?5 the answer's status. */
	[STMT_WEBHOOK_ADVANCE] =
		"UPDATE webhook_endpoints SET delivered_through = ?3, attempts = 0, next_attempt_ms = 0, "
		"failing_since = NULL, last_attempt_at = ?4, last_status = ?5, last_error = NULL "
		"WHERE id = ?1 AND delivered_through = ?2 AND revision = ?6",
	/* ?3 next attempt (ms), ?4 now, ?5 status or NULL, ?6 error, ?7 the
	 * revision read: like an advance, a failure yields to a change. */
	[STMT_WEBHOOK_FAILED] =
		"UPDATE webhook_endpoints SET attempts = attempts + 1, next_attempt_ms = ?3, "
		"failing_since = coalesce(failing_since, ?4), last_attempt_at = ?4, last_status = ?5, "
		"last_error = ?6 WHERE id = ?1 AND delivered_through = ?2 AND revision = ?7 AND enabled = 1",
	/* ?2 now, ?3 reason, ?4 status or NULL, ?5 error */
	[STMT_WEBHOOK_DISABLE] =
		"UPDATE webhook_endpoints SET enabled = 0, disabled_at = ?2, disabled_reason = ?3, "
		"last_attempt_at = ?2, last_status = ?4, last_error = ?5, "
		"failing_since = coalesce(failing_since, ?2) WHERE id = ?1 AND enabled = 1",
	[STMT_WEBHOOK_TESTS_SENT] =
		"UPDATE webhook_endpoints SET tests_sent = max(tests_sent, ?2) WHERE id = ?1",
	/* The first wanted event in (?1, ?3]; ?2 the endpoint's types. */
	[STMT_WEBHOOK_NEXT_EVENT] =
		"SELECT " EVENT_COLUMNS " FROM events WHERE id > ?1 AND id <= ?3 AND " WEBHOOK_WANTS("?2")
		" ORDER BY id LIMIT 1",
	[STMT_WEBHOOK_PENDING] =
		"SELECT count(*) FROM events WHERE id > ?1 AND " WEBHOOK_WANTS("?2"),

	/* A snapshot for reads that must agree with each other: a list and its
	 * feed position, the purge horizon and the events after it. */
	[STMT_READ_BEGIN] = "BEGIN DEFERRED",
	[STMT_READ_END] = "COMMIT",
	[STMT_EVENT_PURGED_THROUGH] = "SELECT purged_through FROM event_purge WHERE id = 1",
	/* The newest id written, even when a purge has deleted that event. */
	[STMT_EVENT_NEWEST] =
		"SELECT max(coalesce((SELECT max(id) FROM events), 0), "
		"(SELECT purged_through FROM event_purge WHERE id = 1))",

	/* Each purge batch is a few statements over the same rows: the batch
	 * query is deterministic, and the transaction changes nothing it reads
	 * until the last statement deletes them. */
	[STMT_PURGE_EVENTS_MARK] =
		"UPDATE event_purge SET purged_through = max(purged_through, "
		"coalesce((SELECT max(id) FROM (" PURGE_EVENTS_BATCH ")), 0)) WHERE id = 1",
	[STMT_PURGE_EVENTS] = "DELETE FROM events WHERE id IN (" PURGE_EVENTS_BATCH ")",
	[STMT_PURGE_REJECTED_MARK] =
		"UPDATE event_purge SET purged_through = max(purged_through, "
		"coalesce((SELECT max(id) FROM (" PURGE_REJECTED_BATCH ")), 0)) WHERE id = 1",
	[STMT_PURGE_REJECTED] = "DELETE FROM events WHERE id IN (" PURGE_REJECTED_BATCH ")",
	/* An installation keeps its state when its request goes; it loses only the
	 * request's id. It is found by the installation the request names. */
	[STMT_PURGE_REQUESTS_UNLINK] =
		"UPDATE installations SET request_id = NULL WHERE installation_id IN "
		"(SELECT result_installation_id FROM access_requests WHERE seq IN (" PURGE_REQUESTS_BATCH ") "
		"UNION SELECT installation_id FROM access_requests WHERE seq IN (" PURGE_REQUESTS_BATCH ")) "
		"AND request_id IN (SELECT id FROM access_requests WHERE seq IN (" PURGE_REQUESTS_BATCH "))",
	[STMT_PURGE_REQUESTS] = "DELETE FROM access_requests WHERE seq IN (" PURGE_REQUESTS_BATCH ")",
	/* A deleted installation's row number may be given again to the next new
	 * installation (seq is the largest plus one): its events must not become
	 * that installation's history, so they lose the link. */
	[STMT_PURGE_INSTALLATIONS_HISTORY] =
		"UPDATE events SET installation_seq = NULL WHERE installation_seq IN (" PURGE_INSTALLATIONS_BATCH ")",
	[STMT_PURGE_INSTALLATIONS_VERIFICATIONS] =
		"DELETE FROM verifications WHERE installation_id IN "
		"(SELECT installation_id FROM installations WHERE seq IN (" PURGE_INSTALLATIONS_BATCH "))",
	[STMT_PURGE_INSTALLATIONS] = "DELETE FROM installations WHERE seq IN (" PURGE_INSTALLATIONS_BATCH ")",

	/* Erasure: ?1 the reference, ?2 the installation id (one of them NULL).
	 * In id order, so that two reads of the same rows compare equal. */
	[STMT_ERASE_FIND_REQUESTS] =
		"SELECT id FROM access_requests WHERE reference = ?1 "
		"OR installation_id = ?2 OR result_installation_id = ?2 ORDER BY id",
	[STMT_ERASE_FIND_INSTALLATIONS] =
		"SELECT installation_id FROM installations WHERE reference = ?1 OR installation_id = ?2 "
		"ORDER BY installation_id",
	/* The events of what is erased, after id ?6: by their columns, by the
	 * erased requests and installations (?3, ?4: JSON arrays of ids), and by
	 * their detail: ?5 the reference as a JSON string, and ?2 or an erased
	 * installation in a raw query of any case. Nothing indexes these: it
	 * reads every event after ?6. */
	[STMT_ERASE_FIND_EVENTS] =
		"SELECT id, detail FROM events WHERE id > ?6 AND (reference = ?1 OR installation_id = ?2 "
		"OR request_id IN (SELECT value FROM json_each(?3)) "
		"OR installation_id IN (SELECT value FROM json_each(?4)) "
		"OR instr(detail, ?5) > 0 OR instr(lower(detail), ?2) > 0 "
		"OR EXISTS (SELECT 1 FROM json_each(?4) WHERE instr(lower(events.detail), value) > 0))",
	[STMT_ERASE_EVENT_BY_ID] = "SELECT id, detail FROM events WHERE id = ?1",
	/* ?1 id, ?2 the stripped detail; an event already stripped is unchanged. */
	[STMT_ERASE_STRIP_EVENT] =
		"UPDATE events SET reference = NULL, installation_id = NULL, installation_seq = NULL, "
		"detail = ?2 WHERE id = ?1 AND (reference IS NOT NULL OR installation_id IS NOT NULL "
		"OR installation_seq IS NOT NULL OR detail IS NOT ?2)",
	[STMT_ERASE_UNLINK_INSTALLATIONS] =
		"UPDATE installations SET request_id = NULL WHERE request_id IN (SELECT value FROM json_each(?1))",
	[STMT_ERASE_VERIFICATIONS] =
		"DELETE FROM verifications WHERE installation_id IN (SELECT value FROM json_each(?1))",
	[STMT_ERASE_INSTALLATIONS] =
		"DELETE FROM installations WHERE installation_id IN (SELECT value FROM json_each(?1))",
	[STMT_ERASE_REQUESTS] =
		"DELETE FROM access_requests WHERE id IN (SELECT value FROM json_each(?1))",
};
