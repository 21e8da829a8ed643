/*
 * store.h — the SQLite store: connections, migrations, the table of prepared
 * statements, transactions.
 *
 * Threads: each thread that reads gets its own connection (store_reader()),
 * opened on first use and closed when the thread exits. Every write goes through
 * the one writer thread (writer.h), so transactions never contend for the lock.
 */
#ifndef ACCESSD_STORE_H
#define ACCESSD_STORE_H

#include <sqlite3.h>
#include <stddef.h>

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Generated from schema/ by the build (scripts/embed-schema.sh). */
extern const struct store_migration store_migrations[];
extern const unsigned store_migration_count;

/* Every SQL statement the daemon runs, by name; the text is in store_sql.c. */
enum store_stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_READY_PROBE,
	STMT_REQUEST_INSERT,
	STMT_REQUEST_BY_ID,
	STMT_REQUEST_BY_TOKEN,
	STMT_REQUEST_LIST,
	STMT_REQUEST_SET_OPENED,
	STMT_REQUEST_SET_TOKEN,
	STMT_REQUEST_COMPLETE,
	STMT_REQUEST_DUE_EXPIRY,
	STMT_REQUEST_SET_EXPIRED,
	STMT_REQUEST_CANCEL,
	STMT_REQUEST_COUNT_BY_STATUS,
	STMT_INSTALLATION_BY_ID,
	STMT_INSTALLATION_UPSERT_GRANT,
	STMT_INSTALLATION_LIST,
	STMT_INSTALLATION_LIST_STATUS,
	STMT_INSTALLATION_LIST_REFERENCE,
	STMT_INSTALLATION_REVOKE,
	STMT_INSTALLATION_COUNT_BY_STATUS,
	STMT_INSTALLATION_SET_VERIFIED,
	STMT_INSTALLATION_SET_UNCONFIRMED,
	STMT_INSTALLATION_PROMOTE,
	STMT_INSTALLATION_SET_LAST_ERROR,
	STMT_INSTALLATION_GRANTED_AFTER,
	STMT_INSTALLATION_INSERT_DISCOVERED,
	STMT_VERIFICATION_QUEUE,
	STMT_VERIFICATION_DUE,
	STMT_VERIFICATION_RESCHEDULE,
	STMT_VERIFICATION_FINISH,
	STMT_VERIFICATION_CANCEL,
	STMT_VERIFICATION_STATS,
	STMT_EVENT_INSERT,
	STMT_EVENT_LIST_AFTER,
	STMT_EVENT_BY_INSTALLATION,
	STMT_EVENT_BOUNDS,
	STMT_WEBHOOK_INSERT,
	STMT_WEBHOOK_BY_ID,
	STMT_WEBHOOK_LIST,
	STMT_WEBHOOK_COUNT,
	STMT_WEBHOOK_SAVE,
	STMT_WEBHOOK_DELETE,
	STMT_WEBHOOK_ADVANCE,
	STMT_WEBHOOK_FAILED,
	STMT_WEBHOOK_DISABLE,
	STMT_WEBHOOK_TESTS_SENT,
	STMT_WEBHOOK_NEXT_EVENT,
	STMT_WEBHOOK_PENDING,
	STMT_READ_BEGIN,
	STMT_READ_END,
	STMT_EVENT_PURGED_THROUGH,
	STMT_EVENT_NEWEST,
	STMT_PURGE_EVENTS_MARK,
	STMT_PURGE_EVENTS,
	STMT_PURGE_REJECTED_MARK,
	STMT_PURGE_REJECTED,
	STMT_PURGE_REQUESTS_UNLINK,
	STMT_PURGE_REQUESTS,
	STMT_PURGE_INSTALLATIONS_HISTORY,
	STMT_PURGE_INSTALLATIONS_VERIFICATIONS,
	STMT_PURGE_INSTALLATIONS,
	STMT_ERASE_FIND_REQUESTS,
	STMT_ERASE_FIND_INSTALLATIONS,
	STMT_ERASE_FIND_EVENTS,
	STMT_ERASE_EVENT_BY_ID,
	STMT_ERASE_STRIP_EVENT,
	STMT_ERASE_UNLINK_INSTALLATIONS,
	STMT_ERASE_VERIFICATIONS,
	STMT_ERASE_INSTALLATIONS,
	STMT_ERASE_REQUESTS,
	STMT_COUNT
};

struct store;

/* How long a connection waits for a lock another one holds. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* Configures the SQLite library for the daemon, before any connection opens:
 * no global memory statistics, whose mutex every allocation of every thread
 * would otherwise take. Returns 0, or -1 when SQLite was already in use. */
int store_global_init(void);

/* Opens (creating when asked) the database at path with the daemon's settings:
 * WAL, synchronous=FULL, foreign keys, a busy timeout. Returns a connection, or
 * NULL with a message in err. */
struct store *store_open(const char *path, int create, char *err, size_t errlen);

/* Closes the connection and its statements; accepts NULL. */
void store_close(struct store *st);

/* Applies the migrations the file lacks, each in its own transaction, and
 * refuses a file newer than this binary. Returns 0, or -1 with err. */
int store_migrate(struct store *st, char *err, size_t errlen);

/* The schema version of the file (PRAGMA user_version), or -1. */
int store_schema_version(struct store *st);

/* The prepared statement id, reset and unbound, ready to bind. The connection
 * owns it. NULL only when preparing failed (logged). */
sqlite3_stmt *store_stmt(struct store *st, enum store_stmt id);

/* Runs a statement that returns no rows (BEGIN, COMMIT, ...). Returns the SQLite
 * result code (SQLITE_DONE on success) and logs failures. */
int store_exec(struct store *st, enum store_stmt id);

/* Runs run(st, arg) in one immediate transaction on this connection, for the
 * command line, which writes without the writer thread. Returns 0 committed,
 * -1 rolled back. */
int store_transaction(struct store *st, int (*run)(struct store *st, void *arg), void *arg);

/* The raw handle, for sqlite3_errmsg, backups and the like. */
sqlite3 *store_db(struct store *st);

/* Sets the database path for reader connections; call once before any reader. */
void store_set_path(const char *path);

/* This thread's reading connection, opened on first use. NULL when it cannot be
 * opened (logged). */
struct store *store_reader(void);

/* Closes this thread's reading connection now (it would otherwise close at
 * thread exit). */
void store_reader_release(void);

/* Probes that a write transaction can be taken and committed (for /readyz).
 * Returns 0 when it can. */
int store_probe_write(struct store *st);

/* Steps a bound statement that returns no rows and resets it; a failure is
 * logged with op naming the operation. stmt may be NULL (preparing failed).
 * Returns 0 or -1. */
int store_step_write(struct store *st, sqlite3_stmt *stmt, const char *op);

/* Binds text, or NULL when s is NULL. */
int store_bind_text(sqlite3_stmt *stmt, int index, const char *s);

/* A column's text as a new string (NULL for SQL NULL); sets *oom on failure. */
char *store_column_strdup(sqlite3_stmt *stmt, int col, int *oom);

#endif
