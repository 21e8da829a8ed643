/*
 * background.c — periodic work: once a minute the expiry pass stores "expired"
 * for open requests past their time and appends their request.expired events;
 * with Zaptec credentials, the verifier thread; the webhook deliveries; the
 * purge thread (retention.c). The expiry pass and the Zaptec work run only
 * while this instance holds their lease (lease.h).
 */
#include "background.h"
#include "config.h"
#include "lease.h"
#include "log.h"
#include "requests.h"
#include "retention.h"
#include "timestamp.h"
#include "verifier.h"
#include "webhook_deliver.h"
#include "writer.h"

#define EXPIRY_INTERVAL 60

static int64_t next_expiry;

int background_start(const struct config *cfg, char *err, size_t errlen)
{
	next_expiry = 0;
	/* The webhook and retention stores have no PostgreSQL implementation yet. */
	if (config_database_is_postgresql(cfg->database)) {
		log_warn("event=webhooks.unavailable reason=\"webhook delivery needs the SQLite engine for now\"");
		log_warn("event=retention.unavailable reason=\"the purge needs the SQLite engine for now\"");
	} else if (retention_start(cfg, err, errlen) != 0) {
		return -1;
	} else if (webhook_deliver_start(cfg, err, errlen) != 0) {
		retention_stop();
		return -1;
	}
	if (cfg->zaptec_username != NULL && verifier_start(cfg, err, errlen) != 0) {
		webhook_deliver_stop();
		retention_stop();
		return -1;
	}
	return 0;
}

void background_tick(const struct config *cfg)
{
	int64_t now = timestamp_now();
	(void)cfg;
	/* The lease is renewed every tick while held, not only once a pass. */
	if (lease_held(LEASE_EXPIRY) && now >= next_expiry) {
		next_expiry = now + EXPIRY_INTERVAL;
		if (writer_run(requests_expire_due, NULL) != 0)
			log_warn("event=expiry_pass_failed");
	}
}

void background_stop(void)
{
	verifier_stop();
	webhook_deliver_stop();
	retention_stop();
	lease_release_all();
}
