/*
 * config.h — the daemon's configuration: the file format of the contract
 * ("key = value" lines, '#' comments), every key with its default, and the
 * secrets read from files or systemd credentials.
 */
#ifndef ACCESSD_CONFIG_H
#define ACCESSD_CONFIG_H

#include "log.h"

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/zaptec-accessd/zaptec-accessd.conf"
#define CONFIG_MAX_REDIRECT_ORIGINS 32
#define CONFIG_MAX_TRUSTED_PROXIES 32
#define CONFIG_MAX_RETRY_WAITS 32


/* An address range from trusted_proxies: family is AF_INET or AF_INET6, addr holds
 * the network in network byte order (4 or 16 bytes used), prefix its length. */
struct config_cidr {
	int family;
	unsigned char addr[16];
	unsigned prefix;
};

/* Every field is owned by the struct and released by config_free(). Strings are
 * NUL-terminated; optional strings that were not set are NULL. Durations are in
 * seconds. */
struct config {
	char *path;                 /* the file it was read from */
	char *lookup_key;
	char *public_url;           /* without a trailing '/' */
	char *partner_name;
	char *portal_url;           /* without a trailing '/' */
	char *default_lang;
	char *listen;               /* host:port or [v6]:port */
	char *admin_listen;
	char *database;             /* a SQLite file, or a postgresql:// URI */
	char *database_password_file; /* NULL: the credential "database-password", or libpq's own */
	char *database_password;    /* PostgreSQL's, when one was given */
	char *api_token_file;       /* NULL: the systemd credential "api-token" */
	char *api_token;            /* the token itself, read at load time */
	int64_t request_ttl;
	int64_t max_request_ttl;
	int64_t callback_grace;
	char *redirect_allow[CONFIG_MAX_REDIRECT_ORIGINS]; /* origins, "scheme://host[:port]" */
	size_t redirect_allow_count;
	unsigned threads;
	unsigned max_connections;
	unsigned max_connections_per_ip;
	int64_t connection_timeout;
	enum log_level log_level;
	char *tls_cert_file;
	char *tls_key_file;
	struct config_cidr trusted_proxies[CONFIG_MAX_TRUSTED_PROXIES];
	size_t trusted_proxy_count;
	char *zaptec_api_url;       /* without a trailing '/' */
	char *zaptec_username;      /* NULL: verification off */
	char *zaptec_password_file; /* NULL: the systemd credential "zaptec-password" */
	char *zaptec_password;      /* read at load time when zaptec_username is set */
	int64_t verify_window;
	int64_t reconcile_interval; /* 0: never */
	int webhook_allow_http;     /* http webhook URLs on any host */
	int64_t webhook_disable_after;
	int64_t webhook_retry_schedule[CONFIG_MAX_RETRY_WAITS]; /* waits between attempts */
	size_t webhook_retry_count;
	char *support_url;          /* NULL: none; shown on pages that are not a success */
	char *support_email;        /* NULL: none */
	int64_t event_retention;    /* 0: keep for ever */
	int64_t rejected_callback_retention; /* 0: keep for ever */
	int64_t request_retention;  /* 0: keep for ever */
	int64_t purge_interval;
};

/*
 * Reads and validates the file at path into cfg (which it initialises). With
 * need_secrets, the admin token (and the Zaptec password when a username is set)
 * must be readable too. Returns 0, or -1 with a "file:line: reason" (or
 * "file: reason") message in err. cfg must be released with config_free() either way.
 */
int config_load(struct config *cfg, const char *path, int need_secrets, char *err, size_t errlen);

/* Parses the same text from memory; name stands for the file in messages. */
int config_parse(struct config *cfg, const char *name, const char *text, size_t len,
		 int need_secrets, char *err, size_t errlen);

/* Re-reads only log_level from cfg->path (for SIGHUP). Returns 0 or -1 with err. */
int config_reload_log_level(const struct config *cfg, enum log_level *out, char *err, size_t errlen);

/* Parses "30", "30s", "15m", "6h", "7d" into seconds. Returns 0 or -1. */
int config_parse_duration(const char *text, int64_t *out);

/* Whether a `database` value names a PostgreSQL database (a postgresql:// or
 * postgres:// URI) rather than a SQLite file. */
int config_database_is_postgresql(const char *database);

/* Releases everything cfg owns; accepts a zeroed or partly filled struct. */
void config_free(struct config *cfg);

/* The name of the i-th key the configuration accepts, in the table's order, or
 * NULL past the last one: the documentation is checked against this list. */
const char *config_key_name(size_t i);

#endif
