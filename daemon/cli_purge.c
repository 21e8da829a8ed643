/*
 * cli_purge.c — `zaptec-accessd purge`: one retention pass now, on the
 * command line's own connection (the daemon may be running: each batch is a
 * short transaction of its own, like the daemon's), then the counts.
 */
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "retention.h"
#include "store.h"

static const char usage_text[] = "usage: zaptec-accessd [-c FILE] purge\n";

static int on_own_connection(int (*run)(struct store *st, void *arg), void *arg, void *ctx)
{
	return store_transaction(ctx, run, arg);
}

int cli_purge(const char *config_path, int argc, char **argv)
{
	struct config cfg;
	struct retention_counts counts;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "zaptec-accessd: purge takes no arguments\n%s", usage_text);
		return CLI_USAGE;
	}
	if (cli_load_config(&cfg, config_path, 0) != 0)
		return CLI_USAGE;
	struct store *st = cli_open_store(&cfg);
	if (st == NULL) {
		config_free(&cfg);
		return CLI_FAILURE;
	}
	/* The pass's own log line would repeat what is printed below. */
	log_set_level(LOG_LEVEL_WARN);
	int rc = retention_purge(&cfg, on_own_connection, st, &counts);
	for (int k = 0; k < RETENTION_KIND_COUNT; k++)
		printf("%s %ld\n", retention_kind_name((enum retention_kind)k), counts.deleted[k]);
	if (rc != 0)
		fprintf(stderr, "zaptec-accessd: purge: the database failed; what is printed was deleted\n");
	store_close(st);
	config_free(&cfg);
	return rc == 0 ? CLI_OK : CLI_FAILURE;
}
