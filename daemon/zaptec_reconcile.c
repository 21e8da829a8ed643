/*
 * zaptec_reconcile.c — a reconciliation pass as a sequence of short steps: list the
 * pages, compare with the database, look up what went missing, record the
 * revoked, the discovered and the grants the API showed late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "installations.h"
#include "log.h"
#include "ratelimit.h"
#include "status.h"
#include "zaptec_reconcile.h"
#include "store.h"
#include "timestamp.h"
#include "writer.h"
#include "zaptec.h"

/* Rows read from the database at a time, and rows one writer job touches:
 * small enough that no job holds the writer for long. */
#define SCAN_BATCH 500
#define WRITE_BATCH 100
/* Lookups of missing installations in one step, about a second of the rate
 * limit, so verifications get their turn in between. */
#define CONFIRM_PER_STEP 10

#define REVOKE_REASON "no longer visible through the Zaptec API"

struct listed {
	char id[ZAPTEC_ID_LEN + 1];
	char *name; /* owned; NULL when the list did not say */
	long roles; /* -1 when not given */
	int type;   /* -1 when not given */
};

enum phase { PHASE_IDLE, PHASE_LISTING, PHASE_CONFIRMING };

struct zaptec_reconcile {
	enum phase phase;
	int64_t started_at;   /* wall time the pass began; rows changed since are left alone */
	int page;             /* the next page to fetch */
	double next_step;     /* CLOCK_MONOTONIC seconds */
	struct listed *listed;
	size_t listed_count, listed_cap;
	char (*missing)[ZAPTEC_ID_LEN + 1]; /* granted here, not listed */
	size_t missing_count, missing_cap, looked_up;
	unsigned discovered, revoked, promoted;
};

/* What a writer job of the pass works on. */
struct batch {
	const struct zaptec_reconcile *r;
	const char *ids[WRITE_BATCH];
	const struct listed *items[WRITE_BATCH];
	size_t count;
	int64_t now;
	unsigned changed; /* out: rows this job recorded */
};

int zaptec_reconcile_no_access(int status)
{
	return status == 204 || status == 401 || status == 403 || status == 404;
}

struct zaptec_reconcile *zaptec_reconcile_new(void)
{
	return calloc(1, sizeof(struct zaptec_reconcile));
}

/* Drops what a pass holds and returns to idle. */
static void end_pass(struct zaptec_reconcile *r)
{
	for (size_t i = 0; i < r->listed_count; i++)
		free(r->listed[i].name);
	free(r->listed);
	free(r->missing);
	memset(r, 0, sizeof *r);
	r->phase = PHASE_IDLE;
}

void zaptec_reconcile_free(struct zaptec_reconcile *r)
{
	if (r == NULL)
		return;
	end_pass(r);
	free(r);
}

void zaptec_reconcile_begin(struct zaptec_reconcile *r, int64_t now)
{
	end_pass(r);
	r->phase = PHASE_LISTING;
	r->started_at = now;
	log_info("event=reconcile.start");
}

int zaptec_reconcile_active(const struct zaptec_reconcile *r)
{
	return r->phase != PHASE_IDLE;
}

double zaptec_reconcile_wait(const struct zaptec_reconcile *r)
{
	if (r->phase == PHASE_IDLE)
		return 1e9;
	double left = r->next_step - ratelimit_monotonic(NULL);
	return left > 0 ? left : 0;
}

/* The list callback: keeps a copy of each listed installation. Returns
 * non-zero (ending the listing as failed) when out of memory. */
static int keep_listed(const struct zaptec_installation *inst, void *arg)
{
	struct zaptec_reconcile *r = arg;

	if (r->listed_count == r->listed_cap) {
		size_t cap = r->listed_cap ? r->listed_cap * 2 : ZAPTEC_RECONCILE_PAGE_SIZE;
		struct listed *grown = realloc(r->listed, cap * sizeof *grown);
		if (grown == NULL)
			return 1;
		r->listed = grown;
		r->listed_cap = cap;
	}
	struct listed *l = &r->listed[r->listed_count];
	memcpy(l->id, inst->id, sizeof l->id);
	l->name = inst->name ? strdup(inst->name) : NULL;
	if (inst->name && l->name == NULL)
		return 1;
	l->roles = inst->roles;
	l->type = inst->type;
	r->listed_count++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->id, ((const struct listed *)b)->id);
}

static int is_listed(const struct zaptec_reconcile *r, const char *id)
{
	struct listed key;

	snprintf(key.id, sizeof key.id, "%s", id);
	return bsearch(&key, r->listed, r->listed_count, sizeof *r->listed, by_id) != NULL;
}

static int add_missing(struct zaptec_reconcile *r, const char *id)
{
	if (r->missing_count == r->missing_cap) {
		size_t cap = r->missing_cap ? r->missing_cap * 2 : 64;
		char(*grown)[ZAPTEC_ID_LEN + 1] = realloc(r->missing, cap * sizeof *grown);
		if (grown == NULL)
			return -1;
		r->missing = grown;
		r->missing_cap = cap;
	}
	snprintf(r->missing[r->missing_count++], ZAPTEC_ID_LEN + 1, "%s", id);
	return 0;
}

/*
 * Collects, through this thread's reader, every "granted" installation that
 * the listing lacks and that has not changed since the pass began. Reads in
 * batches by seq, so no read transaction stays open long. Returns 0 or -1.
 */
/* One batch of the scan: where it stands, and whether memory ran out. */
struct scan {
	struct zaptec_reconcile *r;
	int64_t after;
	long rows;
	int oom;
};

static int scan_row(void *arg, int64_t seq, const char *installation_id, int64_t updated_at)
{
	struct scan *sc = arg;
	sc->rows++;
	sc->after = seq;
	if (updated_at < sc->r->started_at && !is_listed(sc->r, installation_id) &&
	    add_missing(sc->r, installation_id) != 0)
		sc->oom = 1;
	return sc->oom;
}

static int find_missing(struct zaptec_reconcile *r)
{
	struct store *st = store_reader();
	struct scan sc = { .r = r };

	if (st == NULL)
		return -1;
	for (;;) {
		sc.rows = 0;
		if (store_installation_list_granted_after(st, sc.after, SCAN_BATCH, scan_row, &sc) != 0 || sc.oom)
			return -1;
		if (sc.rows < SCAN_BATCH)
			return 0;
	}
}

/* Writer job: records each listed installation of the batch that is still
 * unknown as granted, with installation.discovered. */
static int record_discovered(struct store *st, void *arg)
{
	struct batch *b = arg;

	for (size_t i = 0; i < b->count; i++) {
		const struct listed *l = b->items[i];
		int changed;
		if (store_installation_insert_discovered(st, l->id, l->type == 0 || l->type == 1 ? l->type : -1,
							 b->now, l->name, l->roles, &changed) != 0)
			return -1;
		if (!changed)
			continue; /* recorded by a callback since it was looked up */
		json_t *detail = json_pack("{s:o, s:o}", "name", l->name ? json_string(l->name) : json_null(),
					   "roles", l->roles >= 0 ? json_integer(l->roles) : json_null());
		if (events_append(st, b->now, "installation.discovered", NULL, l->id, NULL, detail) != 0)
			return -1;
		b->changed++;
	}
	return 0;
}

/* Writer job: makes each installation of the batch that is still
 * "unconfirmed" or "verifying" granted, with the name and roles the list
 * gave, and appends installation.verified with detail.source "reconcile": a
 * grant the API showed only late is not lost. Its pending verification, if
 * any, has nothing left to do. */
static int record_promoted(struct store *st, void *arg)
{
	struct batch *b = arg;
	struct installation *in = malloc(sizeof *in);

	if (in == NULL)
		return -1;
	for (size_t i = 0; i < b->count; i++) {
		const struct listed *l = b->items[i];
		int changed;
		if (store_installation_promote(st, l->id, b->now, l->name, l->roles, &changed) != 0) {
			free(in);
			return -1;
		}
		if (!changed)
			continue; /* changed since it was looked up */
		if (store_verification_cancel(st, l->id) != 0 || store_installation_find(st, l->id, in) != 1) {
			free(in);
			return -1;
		}
		json_t *detail = json_pack("{s:s, s:o, s:o}", "source", "reconcile", "name",
					   l->name ? json_string(l->name) : json_null(), "roles",
					   l->roles >= 0 ? json_integer(l->roles) : json_null());
		if (events_append(st, b->now, "installation.verified", in->request_id[0] ? in->request_id : NULL, l->id,
				  in->reference[0] ? in->reference : NULL, detail) != 0) {
			free(in);
			return -1;
		}
		b->changed++;
	}
	free(in);
	return 0;
}

/* Runs a full batch of discoveries or promotions on the writer, adds what it
 * changed to *count and empties it. Returns 0 or -1. */
static int flush(struct batch *b, int (*run)(struct store *st, void *arg), const char *what, unsigned *count)
{
	if (b->count == 0)
		return 0;
	b->now = timestamp_now();
	b->changed = 0;
	int rc = writer_run(run, b);
	for (size_t i = 0; rc == 0 && i < b->count; i++)
		log_info("event=%s installation=%s source=reconcile", what, b->items[i]->id);
	if (rc == 0)
		*count += b->changed;
	b->count = 0;
	return rc;
}

/*
 * Records what the listing says about installations not granted here: the
 * unknown ones as discovered, the unconfirmed or verifying ones as granted.
 * Looked up on this thread's reader, written in batches of WRITE_BATCH; the
 * writer's statements do nothing for a row that changed in between. Returns
 * 0 or -1.
 */
static int record_listed(struct zaptec_reconcile *r)
{
	struct store *st = store_reader();
	struct batch unknown = { .r = r }, promote = { .r = r };
	struct installation *in = malloc(sizeof *in);
	int rc = st && in ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < r->listed_count; i++) {
		if (i > 0 && strcmp(r->listed[i].id, r->listed[i - 1].id) == 0)
			continue; /* a list that shifted between pages can repeat one */
		int found = store_installation_find(st, r->listed[i].id, in);
		if (found < 0)
			rc = -1;
		else if (found == 0)
			unknown.items[unknown.count++] = &r->listed[i];
		else if (status_installation_is(in->status, STATUS_INSTALLATION_UNCONFIRMED) ||
			 status_installation_is(in->status, STATUS_INSTALLATION_VERIFYING))
			promote.items[promote.count++] = &r->listed[i];
		if (rc == 0 && unknown.count == WRITE_BATCH)
			rc = flush(&unknown, record_discovered, "installation.discovered", &r->discovered);
		if (rc == 0 && promote.count == WRITE_BATCH)
			rc = flush(&promote, record_promoted, "installation.verified", &r->promoted);
	}
	if (rc == 0)
		rc = flush(&unknown, record_discovered, "installation.discovered", &r->discovered);
	if (rc == 0)
		rc = flush(&promote, record_promoted, "installation.verified", &r->promoted);
	free(in);
	return rc;
}

/* Writer job: revokes each installation of the batch that is still granted
 * and unchanged since the pass began. */
static int record_revoked(struct store *st, void *arg)
{
	struct batch *b = arg;
	struct installation *in = malloc(sizeof *in);

	if (in == NULL)
		return -1;
	for (size_t i = 0; i < b->count; i++) {
		int changed = 0, found = store_installation_find(st, b->ids[i], in);
		if (found > 0 && status_installation_is(in->status, STATUS_INSTALLATION_GRANTED) && in->updated_at < b->r->started_at)
			found = installations_revoke(st, b->ids[i], "zaptec", REVOKE_REASON, b->now, &changed);
		if (found < 0) {
			free(in);
			return -1;
		}
		if (changed)
			b->changed++;
	}
	free(in);
	return 0;
}

/*
 * Looks up to CONFIRM_PER_STEP missing installations by id and revokes those
 * the API does not show. An API in trouble ends the lookups: nothing is
 * revoked on an answer that is not Zaptec's "no access". Returns 1 while more
 * remain, 0 when the pass is over.
 */
static int confirm_step(struct zaptec_reconcile *r, struct zaptec_client *client, int *api_status)
{
	struct batch b = { .r = r };
	int trouble = 0;
	char err[256];

	while (r->looked_up < r->missing_count && b.count < CONFIRM_PER_STEP) {
		const char *id = r->missing[r->looked_up];
		struct zaptec_installation inst = { .name = NULL };
		int status = zaptec_get_installation(client, id, &inst, err, sizeof err);
		zaptec_installation_clear(&inst);
		*api_status = status;
		if (status != 200 && !zaptec_reconcile_no_access(status)) {
			log_warn("event=reconcile.failed installation=%s status=%d reason=\"%s\"", id, status, err);
			trouble = 1;
			break;
		}
		r->looked_up++;
		if (status == 200)
			log_debug("event=reconcile.still_visible installation=%s", id);
		else
			b.ids[b.count++] = id;
	}
	if (b.count > 0) {
		b.now = timestamp_now();
		if (writer_run(record_revoked, &b) != 0) {
			log_error("event=reconcile.failed reason=\"the revocations could not be stored\"");
			trouble = 1;
		} else {
			r->revoked += b.changed;
		}
	}
	if (!trouble && r->looked_up < r->missing_count)
		return 1;
	log_info("event=reconcile.done complete=%s listed=%zu discovered=%u promoted=%u revoked=%u",
		 trouble ? "false" : "true", r->listed_count, r->discovered, r->promoted, r->revoked);
	end_pass(r);
	return 0;
}

/*
 * Fetches the next page. After the last one, compares with the database:
 * records the unknown and promotes the late grants at once, and collects
 * the missing for confirm_step(). Returns 1 while the pass goes on, 0 when
 * it ended.
 */
static int list_step(struct zaptec_reconcile *r, struct zaptec_client *client, int *api_status)
{
	char err[256];
	int pages = 0;
	int status = zaptec_list_installations(client, r->page, ZAPTEC_RECONCILE_PAGE_SIZE, keep_listed, r, &pages, err,
					       sizeof err);

	*api_status = status;
	r->next_step = ratelimit_monotonic(NULL) + ZAPTEC_RECONCILE_PAGE_INTERVAL;
	if (status != 200) {
		log_warn("event=reconcile.failed page=%d status=%d reason=\"%s\"", r->page, status,
			 status == ZAPTEC_STOPPED ? "out of memory" : err);
		end_pass(r);
		return 0;
	}
	if (++r->page < pages) {
		if (r->page < ZAPTEC_RECONCILE_MAX_PAGES)
			return 1;
		log_warn("event=reconcile.failed pages=%d reason=\"more than %d pages; nothing revoked\"", pages,
			 ZAPTEC_RECONCILE_MAX_PAGES);
		end_pass(r);
		return 0;
	}
	qsort(r->listed, r->listed_count, sizeof *r->listed, by_id);
	if (find_missing(r) != 0 || record_listed(r) != 0) {
		log_error("event=reconcile.failed reason=\"the database failed\"");
		end_pass(r);
		return 0;
	}
	r->phase = PHASE_CONFIRMING;
	r->next_step = 0;
	return 1;
}

int zaptec_reconcile_step(struct zaptec_reconcile *r, struct zaptec_client *client, int *api_status)
{
	*api_status = 0;
	if (r->phase == PHASE_IDLE)
		return 0;
	if (zaptec_reconcile_wait(r) > 0)
		return 1;
	if (r->phase == PHASE_LISTING)
		return list_step(r, client, api_status);
	return confirm_step(r, client, api_status);
}
