/*
 * cmd_admin.c — check-config and migrate, and what every command shares:
 * loading the configuration and opening the database.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "tls.h"

int cmd_load_config(struct config *cfg, const char *path, int need_secrets)
{
	char err[1024];
	if (config_load(cfg, path, need_secrets, err, sizeof err) != 0) {
		fprintf(stderr, "zaptec-accessd: %s\n", err);
		config_free(cfg);
		return CMD_USAGE;
	}
	log_init(cfg->log_level);
	store_set_password(cfg->database_password);
	return 0;
}

struct store *cmd_open_store(const struct config *cfg)
{
	char err[1024];
	struct store *st = store_open(cfg->database, 1, err, sizeof err);
	if (st == NULL || store_migrate(st, err, sizeof err) != 0) {
		fprintf(stderr, "zaptec-accessd: database %s: %s\n", cfg->database, err);
		store_close(st);
		return NULL;
	}
	return st;
}

int cmd_check_config(const char *config_path, int argc, char **argv)
{
	struct config cfg;
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "zaptec-accessd: check-config takes no arguments\n");
		return CMD_USAGE;
	}
	if (cmd_load_config(&cfg, config_path, 1) != 0)
		return CMD_USAGE;
	/* The TLS files are read here too, so that ExecStartPre= names a missing
	 * or swapped file before the service starts. */
	char *cert, *key, err[1024];
	if (tls_load(&cfg, &cert, &key, err, sizeof err) != 0) {
		fprintf(stderr, "zaptec-accessd: %s: %s\n", config_path, err);
		config_free(&cfg);
		return CMD_USAGE;
	}
	free(cert);
	free(key);
	printf("%s: ok%s\n", config_path, cfg.tls_cert_file ? " (TLS certificate and key readable)" : "");
	config_free(&cfg);
	return CMD_OK;
}

int cmd_migrate(const char *config_path, int argc, char **argv)
{
	struct config cfg;
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "zaptec-accessd: migrate takes no arguments\n");
		return CMD_USAGE;
	}
	if (cmd_load_config(&cfg, config_path, 0) != 0)
		return CMD_USAGE;
	struct store *st = cmd_open_store(&cfg);
	int rc = st ? CMD_OK : CMD_FAILURE;
	if (st)
		printf("%s: schema version %d\n", cfg.database, store_schema_version(st));
	store_close(st);
	config_free(&cfg);
	return rc;
}
