/*
 * redirect_cache.h — the portal redirects of open links, kept in memory.
 *
 * In a campaign the same links are clicked again and again; each repeat click
 * of an opened, unexpired request gets the same 303. This cache answers those
 * clicks without a database read. It is a hint, never the record: a miss reads
 * the database as before, and an answer is only ever kept while it is right.
 *
 * Why an answer stays right:
 *   - every change the daemon commits to access_requests forgets the changed
 *     requests at once (the store reports them after each commit to the hook
 *     the cache registers), so a reissued, completed or expired link is never
 *     redirected from memory;
 *   - an answer is only kept if no such change committed while it was read
 *     (redirect_cache_generation before the read, passed to _put);
 *   - the expiry time is checked on every hit;
 *   - an edit made to the database by another process (an operator's sqlite3,
 *     another instance on PostgreSQL) is seen at the latest one lifetime
 *     after it, when the answer is read again.
 */
#ifndef ACCESSD_REDIRECT_CACHE_H
#define ACCESSD_REDIRECT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

/* How long an answer is used before the database is read again. */
#define REDIRECT_CACHE_TTL_MS 1000

/* The same when several instances share the database (PostgreSQL): a change
 * another instance commits is not reported here, and must be seen within the
 * contract's 1 s, reading the row and answering included. */
#define REDIRECT_CACHE_SHARED_TTL_MS 500

/* The longest portal URL kept; longer ones are always read from the database. */
#define REDIRECT_CACHE_URL_MAX 1024

/* Copies the portal URL kept for this token hash into location (at least
 * REDIRECT_CACHE_URL_MAX bytes), if there is one that is still fresh and whose
 * request has not expired by now (Unix seconds). Returns 1 on a hit, 0 on a miss. */
int redirect_cache_get(const unsigned char hash[TOKEN_HASH_LEN], int64_t now, char *location);

/* The counter to pass to redirect_cache_put; read it before reading the request. */
uint64_t redirect_cache_generation(void);

/* Keeps the portal URL for the request seq (open until expires_at) under its
 * token hash, unless a change to any request committed since generation was
 * read: then what was read may already be stale, and nothing is kept. */
void redirect_cache_put(const unsigned char hash[TOKEN_HASH_LEN], int64_t seq, int64_t expires_at,
			const char *location, uint64_t generation);

/* Forgets the answers for these requests (by seq); called after each commit
 * that changed access_requests. n 0 with seqs NULL forgets everything. */
void redirect_cache_forget(const int64_t *seqs, size_t n);

/* Registers redirect_cache_forget as the store's hook for changed requests,
 * and sets how long an answer is used (one of the TTLs above); call before
 * the writer starts. */
void redirect_cache_attach(int64_t lifetime_ms);

#endif
