/*
 * lease.c — taking, renewing and giving up the leases of background work.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "lease.h"
#include "log.h"
#include "store.h"
#include "timestamp.h"
#include "token.h"
#include "writer.h"

static const char *const kind_names[LEASE_KIND_COUNT] = { "expiry", "zaptec" };

static struct {
	pthread_mutex_t lock;
	char holder[300];
	int held[LEASE_KIND_COUNT];
	int64_t checked_at[LEASE_KIND_COUNT]; /* wall time of the last take or renewal */
} l = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* One take or release, on the writer. */
struct lease_job {
	enum lease_kind kind;
	int64_t now;
	int held;
};

static int take_run(struct store *st, void *arg)
{
	struct lease_job *job = arg;
	return store_lease_take(st, kind_names[job->kind], lease_holder(), job->now, job->now + LEASE_TTL,
				&job->held);
}

static int release_run(struct store *st, void *arg)
{
	struct lease_job *job = arg;
	return store_lease_release(st, kind_names[job->kind], lease_holder());
}

/* Called with l.lock held. */
static void name_holder(void)
{
	char host[256] = "";
	char id[TOKEN_ID_LEN + 1];
	if (l.holder[0] != '\0')
		return;
	gethostname(host, sizeof host - 1);
	token_new_id(id);
	snprintf(l.holder, sizeof l.holder, "%s:%ld:%.8s", host, (long)getpid(), id);
}

const char *lease_holder(void)
{
	pthread_mutex_lock(&l.lock);
	name_holder();
	pthread_mutex_unlock(&l.lock);
	return l.holder;
}

int lease_held(enum lease_kind kind)
{
	int64_t now = timestamp_now();

	pthread_mutex_lock(&l.lock);
	name_holder();
	if (l.checked_at[kind] != 0 && now < l.checked_at[kind] + LEASE_RENEW) {
		int held = l.held[kind];
		pthread_mutex_unlock(&l.lock);
		return held;
	}
	int was = l.held[kind];
	pthread_mutex_unlock(&l.lock);

	struct lease_job job = { .kind = kind, .now = now };
	int held = writer_run(take_run, &job) == 0 && job.held;
	if (held != was) {
		if (held)
			log_info("event=lease.taken kind=%s holder=%s", kind_names[kind], l.holder);
		else
			log_info("event=lease.lost kind=%s holder=%s", kind_names[kind], l.holder);
	}
	pthread_mutex_lock(&l.lock);
	l.held[kind] = held;
	l.checked_at[kind] = now;
	pthread_mutex_unlock(&l.lock);
	return held;
}

void lease_release_all(void)
{
	for (int k = 0; k < LEASE_KIND_COUNT; k++) {
		pthread_mutex_lock(&l.lock);
		int held = l.held[k];
		l.held[k] = 0;
		l.checked_at[k] = 0;
		pthread_mutex_unlock(&l.lock);
		struct lease_job job = { .kind = (enum lease_kind)k };
		if (held && writer_run(release_run, &job) == 0)
			log_info("event=lease.released kind=%s holder=%s", kind_names[k], l.holder);
	}
}
