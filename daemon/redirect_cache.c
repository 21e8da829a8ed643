/*
 * redirect_cache.c — the portal redirects of open links, kept in memory.
 *
 * A fixed table of sets of WAYS slots, the set chosen by the token hash
 * (already uniform: SHA-256), guarded by striped mutexes so that worker
 * threads rarely wait for each other. A new answer takes a free slot of its
 * set, or the oldest one. The small per-slot facts live apart from the URLs,
 * so that forgetting scans a few pages, not every URL.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redirect_cache.h"
#include "store.h"
#include "timestamp.h"

#define SETS 1024 /* a power of two */
#define WAYS 4
#define SLOTS (SETS * WAYS)
#define STRIPES 64 /* set i is guarded by stripe i % STRIPES */

struct slot {
	unsigned char hash[TOKEN_HASH_LEN];
	int64_t seq;        /* 0: the slot is empty */
	int64_t expires_at; /* Unix seconds */
	int64_t filled_ms;  /* monotonic */
};

/* How long an answer is used (redirect_cache_attach). */
static _Atomic int64_t lifetime_ms = REDIRECT_CACHE_TTL_MS;

static struct slot slots[SLOTS];
static char *locations[SLOTS]; /* owned by the table */
static pthread_mutex_t stripes[STRIPES] = { [0 ... STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER };
static atomic_uint_fast64_t generation;

static size_t set_of(const unsigned char hash[TOKEN_HASH_LEN])
{
	size_t i;
	memcpy(&i, hash, sizeof i);
	return i & (SETS - 1);
}

/* The slot of this set that holds hash, or -1. Call with the set's stripe held. */
static long find_slot(size_t set, const unsigned char hash[TOKEN_HASH_LEN])
{
	for (size_t i = set * WAYS; i < (set + 1) * WAYS; i++)
		if (slots[i].seq != 0 && memcmp(slots[i].hash, hash, TOKEN_HASH_LEN) == 0)
			return (long)i;
	return -1;
}

/* The slot of this set a new answer for hash takes: its own, a free one, or
 * the oldest. Call with the set's stripe held. */
static size_t victim_slot(size_t set, const unsigned char hash[TOKEN_HASH_LEN])
{
	long own = find_slot(set, hash);
	if (own >= 0)
		return (size_t)own;
	size_t oldest = set * WAYS;
	for (size_t i = set * WAYS; i < (set + 1) * WAYS; i++) {
		if (slots[i].seq == 0)
			return i;
		if (slots[i].filled_ms < slots[oldest].filled_ms)
			oldest = i;
	}
	return oldest;
}

static void clear_slot(size_t i)
{
	slots[i].seq = 0;
	free(locations[i]);
	locations[i] = NULL;
}

int redirect_cache_get(const unsigned char hash[TOKEN_HASH_LEN], int64_t now, char *location)
{
	size_t set = set_of(hash);
	int hit = 0;

	pthread_mutex_lock(&stripes[set % STRIPES]);
	long i = find_slot(set, hash);
	if (i >= 0 && now < slots[i].expires_at &&
	    (int64_t)(timestamp_monotonic_ns() / 1000000u) - slots[i].filled_ms < atomic_load(&lifetime_ms)) {
		strcpy(location, locations[i]);
		hit = 1;
	}
	pthread_mutex_unlock(&stripes[set % STRIPES]);
	return hit;
}

uint64_t redirect_cache_generation(void)
{
	return atomic_load(&generation);
}

void redirect_cache_put(const unsigned char hash[TOKEN_HASH_LEN], int64_t seq, int64_t expires_at,
			const char *location, uint64_t read_generation)
{
	size_t len = strlen(location);
	if (seq == 0 || len >= REDIRECT_CACHE_URL_MAX)
		return;
	char *copy = malloc(len + 1);
	if (copy == NULL)
		return; /* a cache may always decline */
	memcpy(copy, location, len + 1);

	size_t set = set_of(hash);
	pthread_mutex_lock(&stripes[set % STRIPES]);
	/* Checked under the stripe lock: a forget that bumped the generation
	 * after this check scans this set after we leave it. */
	if (atomic_load(&generation) == read_generation) {
		size_t i = victim_slot(set, hash);
		clear_slot(i);
		memcpy(slots[i].hash, hash, TOKEN_HASH_LEN);
		slots[i].seq = seq;
		slots[i].expires_at = expires_at;
		slots[i].filled_ms = (int64_t)(timestamp_monotonic_ns() / 1000000u);
		locations[i] = copy;
		copy = NULL;
	}
	pthread_mutex_unlock(&stripes[set % STRIPES]);
	free(copy);
}

static int compare_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void redirect_cache_forget(const int64_t *seqs, size_t n)
{
	int64_t *sorted = NULL;

	atomic_fetch_add(&generation, 1);
	if (n > 0) {
		sorted = malloc(n * sizeof *sorted);
		if (sorted != NULL) {
			memcpy(sorted, seqs, n * sizeof *sorted);
			qsort(sorted, n, sizeof *sorted, compare_seq);
		}
	}
	/* Without the list (none given, or no memory to sort it) everything goes. */
	for (size_t stripe = 0; stripe < STRIPES; stripe++) {
		pthread_mutex_lock(&stripes[stripe]);
		for (size_t set = stripe; set < SETS; set += STRIPES) {
			for (size_t i = set * WAYS; i < (set + 1) * WAYS; i++) {
				if (slots[i].seq == 0)
					continue;
				if (sorted == NULL ||
				    bsearch(&slots[i].seq, sorted, n, sizeof *sorted, compare_seq) != NULL)
					clear_slot(i);
			}
		}
		pthread_mutex_unlock(&stripes[stripe]);
	}
	free(sorted);
}

void redirect_cache_attach(int64_t lifetime)
{
	atomic_store(&lifetime_ms, lifetime);
	store_on_requests_changed(redirect_cache_forget);
}
