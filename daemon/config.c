/*
 * config.c — reads /etc/zaptec-accessd/zaptec-accessd.conf. The keys are one
 * table; each entry names its parser and where the value goes. A bad line is
 * fatal and names the file and line, as are unknown, repeated and missing keys.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "validate.h"

#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_SECRET 4096
#define CONFIG_MIN_TOKEN 32 /* characters of the admin token: guessing one is hopeless */

enum config_type {
	TYPE_TEXT,      /* a single-line value, not empty */
	TYPE_NAME,      /* a display name: validated text of at most 100 characters */
	TYPE_BASE_URL,  /* an absolute http(s) URL without query; trailing '/' dropped */
	TYPE_LANG,
	TYPE_LISTEN,
	TYPE_PATH,
	TYPE_DATABASE,  /* a file path (SQLite), or a postgresql:// URI without a password */
	TYPE_DURATION,
	TYPE_COUNT,
	TYPE_LOG_LEVEL,
	TYPE_ORIGINS,
	TYPE_CIDRS,
	TYPE_BOOL,      /* true or false */
	TYPE_SCHEDULE,  /* durations separated by spaces (webhook_retry_schedule) */
	TYPE_SUPPORT_URL, /* an absolute https URL (http on loopback) for customers */
	TYPE_EMAIL,
};

struct config_key {
	const char *name;
	enum config_type type;
	size_t offset;
	const char *default_value; /* NULL: no default; "" for optional keys */
	long long min, max;        /* for TYPE_COUNT and TYPE_DURATION */
};

#define FIELD(f) offsetof(struct config, f)
#define DAY (24LL * 3600)

static const struct config_key keys[] = {
	{ "lookup_key", TYPE_TEXT, FIELD(lookup_key), NULL, 0, 0 },
	{ "public_url", TYPE_BASE_URL, FIELD(public_url), NULL, 0, 0 },
	{ "partner_name", TYPE_NAME, FIELD(partner_name), NULL, 0, 0 },
	{ "portal_url", TYPE_BASE_URL, FIELD(portal_url), "https://portal.zaptec.com", 0, 0 },
	{ "default_lang", TYPE_LANG, FIELD(default_lang), "en", 0, 0 },
	{ "listen", TYPE_LISTEN, FIELD(listen), "0.0.0.0:8080", 0, 0 },
	{ "admin_listen", TYPE_LISTEN, FIELD(admin_listen), "127.0.0.1:8081", 0, 0 },
	{ "database", TYPE_DATABASE, FIELD(database), "/var/lib/zaptec-accessd/accessd.db", 0, 0 },
	{ "database_password_file", TYPE_PATH, FIELD(database_password_file), "", 0, 0 },
	{ "api_token_file", TYPE_PATH, FIELD(api_token_file), "", 0, 0 },
	{ "request_ttl", TYPE_DURATION, FIELD(request_ttl), "7d", 60, 365 * DAY },
	{ "max_request_ttl", TYPE_DURATION, FIELD(max_request_ttl), "30d", 60, 365 * DAY },
	{ "callback_grace", TYPE_DURATION, FIELD(callback_grace), "1h", 0, 30 * DAY },
	{ "redirect_allow", TYPE_ORIGINS, 0, "", 0, 0 },
	{ "threads", TYPE_COUNT, FIELD(threads), "", 1, 256 },
	{ "max_connections", TYPE_COUNT, FIELD(max_connections), "1024", 1, 1000000 },
	{ "max_connections_per_ip", TYPE_COUNT, FIELD(max_connections_per_ip), "0", 0, 1000000 },
	{ "connection_timeout", TYPE_DURATION, FIELD(connection_timeout), "30s", 1, 3600 },
	{ "log_level", TYPE_LOG_LEVEL, FIELD(log_level), "info", 0, 0 },
	{ "tls_cert_file", TYPE_PATH, FIELD(tls_cert_file), "", 0, 0 },
	{ "tls_key_file", TYPE_PATH, FIELD(tls_key_file), "", 0, 0 },
	{ "trusted_proxies", TYPE_CIDRS, 0, "", 0, 0 },
	{ "zaptec_api_url", TYPE_BASE_URL, FIELD(zaptec_api_url), "https://api.zaptec.com", 0, 0 },
	{ "zaptec_username", TYPE_TEXT, FIELD(zaptec_username), "", 0, 0 },
	{ "zaptec_password_file", TYPE_PATH, FIELD(zaptec_password_file), "", 0, 0 },
	{ "verify_window", TYPE_DURATION, FIELD(verify_window), "60s", 1, 7 * DAY },
	{ "reconcile_interval", TYPE_DURATION, FIELD(reconcile_interval), "6h", 0, 30 * DAY },
	{ "webhook_allow_http", TYPE_BOOL, FIELD(webhook_allow_http), "false", 0, 0 },
	{ "webhook_disable_after", TYPE_DURATION, FIELD(webhook_disable_after), "5d", 1, 365 * DAY },
	{ "webhook_retry_schedule", TYPE_SCHEDULE, 0, "5s 5m 30m 2h 5h 10h 14h 20h 24h", 1, 7 * DAY },
	{ "support_url", TYPE_SUPPORT_URL, FIELD(support_url), "", 0, 0 },
	{ "support_email", TYPE_EMAIL, FIELD(support_email), "", 0, 0 },
	{ "event_retention", TYPE_DURATION, FIELD(event_retention), "90d", 0, 3650 * DAY },
	{ "rejected_callback_retention", TYPE_DURATION, FIELD(rejected_callback_retention), "30d", 0, 3650 * DAY },
	{ "request_retention", TYPE_DURATION, FIELD(request_retention), "90d", 0, 3650 * DAY },
	{ "purge_interval", TYPE_DURATION, FIELD(purge_interval), "10m", 1, 7 * DAY },
};

#define KEY_COUNT (sizeof keys / sizeof keys[0])

const char *config_key_name(size_t i)
{
	return i < KEY_COUNT ? keys[i].name : NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int config_database_is_postgresql(const char *database)
{
	return strncmp(database, "postgresql://", 13) == 0 || strncmp(database, "postgres://", 11) == 0;
}

int config_parse_duration(const char *text, int64_t *out)
{
	char *end;
	long long mult = 1;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	long long n = strtoll(text, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 's': mult = 1; end++; break;
	case 'm': mult = 60; end++; break;
	case 'h': mult = 3600; end++; break;
	case 'd': mult = DAY; end++; break;
	default: return -1;
	}
	if (*end != '\0' || n > INT64_MAX / mult)
		return -1;
	*out = n * mult;
	return 0;
}

/* Parses "a.b.c.d[/n]" or "v6[/n]" into a CIDR. Returns 0 or -1. */
static int parse_cidr(const char *text, struct config_cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max;

	if (len == 0 || len >= sizeof addr)
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	out->prefix = max;
	if (slash) {
		char *end;
		if (!isdigit((unsigned char)slash[1]))
			return -1;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || p > max)
			return -1;
		out->prefix = (unsigned)p;
	}
	return 0;
}

/* "host:port" or "[v6]:port" with a numeric address (or "localhost"). */
static int check_listen(const char *text)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned char buf[16];
	const char *colon;
	size_t hlen;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		hlen = (size_t)(close - text - 1);
		if (hlen == 0 || hlen >= sizeof host)
			return -1;
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, buf) != 1)
			return -1;
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - text);
		if (hlen == 0 || hlen >= sizeof host)
			return -1;
		memcpy(host, text, hlen);
		host[hlen] = '\0';
		if (strcmp(host, "localhost") != 0 && inet_pton(AF_INET, host, buf) != 1)
			return -1;
	}
	char *end;
	if (!isdigit((unsigned char)colon[1]))
		return -1;
	unsigned long port = strtoul(colon + 1, &end, 10);
	return (*end == '\0' && port <= 65535) ? 0 : -1;
}

/* An absolute http(s) URL with a host and no query or fragment. */
static int check_base_url(const char *text)
{
	const char *rest;

	if (strncmp(text, "https://", 8) == 0)
		rest = text + 8;
	else if (strncmp(text, "http://", 7) == 0)
		rest = text + 7;
	else
		return -1;
	if (*rest == '\0' || *rest == '/')
		return -1;
	for (const char *p = text; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#' || *p == '\\')
			return -1;
	}
	return 0;
}

static int set_string(char **slot, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Applies one value to its key. Returns 0, or -1 with the reason in why. */
static int apply(struct config *cfg, const struct config_key *key, const char *value,
		 char *why, size_t whylen)
{
	void *slot = (char *)cfg + key->offset;
	const char *reason = NULL;

	switch (key->type) {
	case TYPE_TEXT:
		if (validate_text(value, strlen(value), 200, 0, &reason) != 0)
			return fail(why, whylen, "%s: %s", key->name, reason);
		return set_string(slot, value);
	case TYPE_NAME:
		if (validate_text(value, strlen(value), 100, 0, &reason) != 0)
			return fail(why, whylen, "%s: %s", key->name, reason);
		return set_string(slot, value);
	case TYPE_BASE_URL: {
		if (check_base_url(value) != 0)
			return fail(why, whylen, "%s: not an absolute http or https URL without query: %s",
				    key->name, value);
		if (set_string(slot, value) != 0)
			return -1;
		char *s = *(char **)slot;
		size_t n = strlen(s);
		while (n > 0 && s[n - 1] == '/')
			s[--n] = '\0';
		return 0;
	}
	case TYPE_SUPPORT_URL:
		if (validate_support_url(value, &reason) != 0)
			return fail(why, whylen, "%s: %s: %s", key->name, value, reason);
		return set_string(slot, value);
	case TYPE_EMAIL:
		if (validate_email(value, &reason) != 0)
			return fail(why, whylen, "%s: %s: %s", key->name, value, reason);
		return set_string(slot, value);
	case TYPE_LANG:
		if (validate_lang(value, &reason) != 0)
			return fail(why, whylen, "%s: %s", key->name, reason);
		return set_string(slot, value);
	case TYPE_LISTEN:
		if (check_listen(value) != 0)
			return fail(why, whylen, "%s: expected host:port or [v6]:port with a numeric address, got %s",
				    key->name, value);
		return set_string(slot, value);
	case TYPE_PATH:
		if (value[0] != '/' && value[0] != '.')
			return fail(why, whylen, "%s: expected a file path, got %s", key->name, value);
		return set_string(slot, value);
	case TYPE_DATABASE:
		if (config_database_is_postgresql(value)) {
			if (store_check_database(value, why, whylen) != 0)
				return -1;
			return set_string(slot, value);
		}
		if (value[0] != '/' && value[0] != '.')
			return fail(why, whylen, "%s: expected a file path or a postgresql:// URI, got %s", key->name,
				    value);
		return set_string(slot, value);
	case TYPE_DURATION: {
		int64_t d;
		if (config_parse_duration(value, &d) != 0)
			return fail(why, whylen, "%s: not a duration (a number with s, m, h or d): %s",
				    key->name, value);
		if (d < key->min || d > key->max)
			return fail(why, whylen, "%s: %s is out of range (%llds .. %llds)", key->name, value,
				    key->min, key->max);
		*(int64_t *)slot = d;
		return 0;
	}
	case TYPE_COUNT: {
		char *end;
		errno = 0;
		long long n = isdigit((unsigned char)value[0]) ? strtoll(value, &end, 10) : -1;
		if (n < 0 || errno != 0 || *end != '\0')
			return fail(why, whylen, "%s: not a whole number: %s", key->name, value);
		if (n < key->min || n > key->max)
			return fail(why, whylen, "%s: %s is out of range (%lld .. %lld)", key->name, value,
				    key->min, key->max);
		*(unsigned *)slot = (unsigned)n;
		return 0;
	}
	case TYPE_LOG_LEVEL:
		if (log_parse_level(value, slot) != 0)
			return fail(why, whylen, "%s: expected error, warn, info or debug, got %s",
				    key->name, value);
		return 0;
	case TYPE_BOOL:
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
			return fail(why, whylen, "%s: expected true or false, got %s", key->name, value);
		*(int *)slot = strcmp(value, "true") == 0;
		return 0;
	case TYPE_SCHEDULE: {
		char *list = strdup(value), *save = NULL;
		int rc = 0;
		if (list == NULL)
			return -1;
		cfg->webhook_retry_count = 0;
		for (char *item = strtok_r(list, " \t", &save); item && rc == 0;
		     item = strtok_r(NULL, " \t", &save)) {
			int64_t d;
			if (cfg->webhook_retry_count == CONFIG_MAX_RETRY_WAITS)
				rc = fail(why, whylen, "%s: more than %d waits", key->name, CONFIG_MAX_RETRY_WAITS);
			else if (config_parse_duration(item, &d) != 0)
				rc = fail(why, whylen, "%s: not a duration (a number with s, m, h or d): %s",
					  key->name, item);
			else if (d < key->min || d > key->max)
				rc = fail(why, whylen, "%s: %s is out of range (%llds .. %llds)", key->name, item,
					  key->min, key->max);
			else
				cfg->webhook_retry_schedule[cfg->webhook_retry_count++] = d;
		}
		free(list);
		return rc;
	}
	case TYPE_ORIGINS:
	case TYPE_CIDRS: {
		char *list = strdup(value), *save = NULL;
		int rc = 0;
		if (list == NULL)
			return -1;
		for (char *item = strtok_r(list, " \t", &save); item && rc == 0;
		     item = strtok_r(NULL, " \t", &save)) {
			if (key->type == TYPE_CIDRS) {
				if (cfg->trusted_proxy_count == CONFIG_MAX_TRUSTED_PROXIES)
					rc = fail(why, whylen, "%s: more than %d entries", key->name,
						  CONFIG_MAX_TRUSTED_PROXIES);
				else if (parse_cidr(item, &cfg->trusted_proxies[cfg->trusted_proxy_count]) != 0)
					rc = fail(why, whylen, "%s: not an address or CIDR: %s", key->name, item);
				else
					cfg->trusted_proxy_count++;
				continue;
			}
			char origin[512];
			if (cfg->redirect_allow_count == CONFIG_MAX_REDIRECT_ORIGINS)
				rc = fail(why, whylen, "%s: more than %d origins", key->name,
					  CONFIG_MAX_REDIRECT_ORIGINS);
			else if (validate_origin(item, origin, sizeof origin, &reason) != 0)
				rc = fail(why, whylen, "%s: %s: %s", key->name, item, reason);
			else if ((cfg->redirect_allow[cfg->redirect_allow_count] = strdup(origin)) == NULL)
				rc = -1;
			else
				cfg->redirect_allow_count++;
		}
		free(list);
		return rc;
	}
	}
	return -1;
}

/* Whether path lies inside $CREDENTIALS_DIRECTORY, where systemd owns the
 * files and sets their modes for the service. */
static int in_credentials(const char *path)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	size_t n = dir ? strlen(dir) : 0;
	while (n > 0 && dir[n - 1] == '/')
		n--;
	return n > 0 && strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Refuses a secret file that others may read or that another user owns:
 * whoever can read or replace it holds the secret. Returns 0, or -1 with the
 * reason in err. */
static int check_secret_file(FILE *f, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fileno(f), &st) != 0)
		return fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	if (st.st_uid != geteuid())
		return fail(err, errlen, "%s: is owned by uid %u, not by this user (uid %u): chown it",
			    path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & (S_IRGRP | S_IROTH))
		return fail(err, errlen, "%s: group or others can read it (mode %04o): chmod 600 it",
			    path, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Reads a whole small file into a new string; trailing white space removed.
 * Outside $CREDENTIALS_DIRECTORY the file must be private to this user. */
static char *read_secret(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char buf[CONFIG_MAX_SECRET + 1];

	if (f == NULL) {
		fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	if (!in_credentials(path) && check_secret_file(f, path, err, errlen) != 0) {
		fclose(f);
		return NULL;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n > CONFIG_MAX_SECRET) {
		fail(err, errlen, "%s: longer than %d bytes", path, CONFIG_MAX_SECRET);
		return NULL;
	}
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\0', n) != NULL) {
		fail(err, errlen, "%s: empty or not text", path);
		return NULL;
	}
	char *copy = strdup(buf);
	sodium_memzero(buf, sizeof buf);
	return copy;
}

/* The file named by the configuration, or the systemd credential of that name. */
static char *load_secret(const char *file, const char *credential, const char *what,
			 char *err, size_t errlen)
{
	char path[4096];

	if (file == NULL) {
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		if (dir == NULL) {
			fail(err, errlen, "no %s: set %s_file, or pass the systemd credential \"%s\"",
			     what, what, credential);
			return NULL;
		}
		snprintf(path, sizeof path, "%s/%s", dir, credential);
		file = path;
	}
	return read_secret(file, err, errlen);
}

/* Splits one line into key and value, trimmed. Returns 1 for a setting, 0 for a
 * blank or comment line, -1 when malformed. */
static int split_line(char *line, char **key, char **value)
{
	char *p = line;
	/* '\r' too: a blank line of a CRLF file is blank, as its values are trimmed. */
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	char *eq = strchr(p, '=');
	if (eq == NULL)
		return -1;
	char *k_end = eq;
	while (k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t'))
		k_end--;
	*k_end = '\0';
	char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	char *v_end = v + strlen(v);
	while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t' || v_end[-1] == '\r'))
		v_end--;
	*v_end = '\0';
	*key = p;
	*value = v;
	return 1;
}

static const struct config_key *find_key(const char *name)
{
	for (size_t i = 0; i < KEY_COUNT; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* The number of UTF-8 characters of s (its bytes that do not continue one). */
static size_t characters(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The checks that involve more than one key, and the secrets. */
static int finish(struct config *cfg, const char *name, int need_secrets, char *err, size_t errlen)
{
	char why[512];

	if (cfg->request_ttl > cfg->max_request_ttl)
		return fail(err, errlen, "%s: request_ttl is longer than max_request_ttl", name);
	if ((cfg->tls_cert_file == NULL) != (cfg->tls_key_file == NULL))
		return fail(err, errlen, "%s: tls_cert_file and tls_key_file go together", name);
	if (cfg->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->threads = n < 1 ? 1 : (n > 256 ? 256 : (unsigned)n);
	}
	const char *reason;
	if (validate_secure_base_url(cfg->zaptec_api_url, &reason) != 0)
		return fail(err, errlen, "%s: zaptec_api_url %s", name, reason);
	/* Every command that opens the database needs its password. */
	if (config_database_is_postgresql(cfg->database) &&
	    (cfg->database_password_file != NULL || getenv("CREDENTIALS_DIRECTORY") != NULL)) {
		cfg->database_password = load_secret(cfg->database_password_file, "database-password",
						     "database_password", why, sizeof why);
		if (cfg->database_password == NULL && cfg->database_password_file != NULL)
			return fail(err, errlen, "%s: database password: %s", name, why);
	}
	if (!need_secrets)
		return 0;
	cfg->api_token = load_secret(cfg->api_token_file, "api-token", "api_token", why, sizeof why);
	if (cfg->api_token == NULL)
		return fail(err, errlen, "%s: admin API token: %s", name, why);
	size_t chars = characters(cfg->api_token);
	if (chars < CONFIG_MIN_TOKEN)
		return fail(err, errlen, "%s: admin API token: has %zu characters; at least %d are needed",
			    name, chars, CONFIG_MIN_TOKEN);
	if (cfg->zaptec_username != NULL) {
		cfg->zaptec_password = load_secret(cfg->zaptec_password_file, "zaptec-password",
						   "zaptec_password", why, sizeof why);
		if (cfg->zaptec_password == NULL)
			return fail(err, errlen, "%s: Zaptec password: %s", name, why);
	}
	return 0;
}

/* Names every required key that was not set, in one sentence in why, so that
 * an operator fixes the file in one go. Returns how many are missing. */
static int missing_required(const unsigned char *seen, char *why, size_t whylen)
{
	const char *names[KEY_COUNT];
	int n = 0;
	size_t used = 0;

	for (size_t i = 0; i < KEY_COUNT; i++)
		if (!seen[i] && keys[i].default_value == NULL)
			names[n++] = keys[i].name;
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(why + used, used < whylen ? whylen - used : 0, "%s%s%s",
					 i == 0 ? (n == 1 ? "required key " : "required keys ") : "",
					 names[i], i + 1 < n ? (i + 2 < n ? ", " : " and ") : "");
	if (n > 0 && used < whylen)
		snprintf(why + used, whylen - used, " %s missing", n == 1 ? "is" : "are");
	return n;
}

int config_parse(struct config *cfg, const char *name, const char *text, size_t len,
		 int need_secrets, char *err, size_t errlen)
{
	unsigned char seen[KEY_COUNT] = { 0 };
	char why[600];
	size_t lineno = 0;

	memset(cfg, 0, sizeof *cfg);
	if ((cfg->path = strdup(name)) == NULL)
		return fail(err, errlen, "%s: out of memory", name);
	if (memchr(text, '\0', len) != NULL)
		return fail(err, errlen, "%s: not a text file", name);

	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char line[4096];
		char *key, *value;

		lineno++;
		if (n >= sizeof line)
			return fail(err, errlen, "%s:%zu: line too long", name, lineno);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;

		int kind = split_line(line, &key, &value);
		if (kind == 0)
			continue;
		if (kind < 0)
			return fail(err, errlen, "%s:%zu: expected \"key = value\"", name, lineno);
		const struct config_key *k = find_key(key);
		if (k == NULL)
			return fail(err, errlen, "%s:%zu: unknown key \"%.64s\"", name, lineno, key);
		if (seen[k - keys])
			return fail(err, errlen, "%s:%zu: %s is set twice", name, lineno, key);
		seen[k - keys] = 1;
		if (value[0] == '\0' && k->default_value != NULL && k->default_value[0] == '\0')
			continue; /* an optional key may be left empty */
		if (value[0] == '\0')
			return fail(err, errlen, "%s:%zu: %s needs a value", name, lineno, key);
		if (apply(cfg, k, value, why, sizeof why) != 0)
			return fail(err, errlen, "%s:%zu: %s", name, lineno, why[0] ? why : "out of memory");
	}

	if (missing_required(seen, why, sizeof why) > 0)
		return fail(err, errlen, "%s: %s", name, why);
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (seen[i] || keys[i].default_value == NULL)
			continue;
		if (keys[i].default_value[0] == '\0')
			continue;
		why[0] = '\0';
		if (apply(cfg, &keys[i], keys[i].default_value, why, sizeof why) != 0)
			return fail(err, errlen, "%s: default of %s: %s", name, keys[i].name, why);
	}
	return finish(cfg, name, need_secrets, err, errlen);
}

/* Reads the whole file into a new buffer. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(CONFIG_MAX_FILE + 1);
	if (buf == NULL) {
		fclose(f);
		fail(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	*len = fread(buf, 1, CONFIG_MAX_FILE + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || *len > CONFIG_MAX_FILE) {
		free(buf);
		fail(err, errlen, "%s: %s", path, bad ? "read error" : "larger than 1 MiB");
		return NULL;
	}
	return buf;
}

int config_load(struct config *cfg, const char *path, int need_secrets, char *err, size_t errlen)
{
	size_t len;

	memset(cfg, 0, sizeof *cfg);
	char *text = read_file(path, &len, err, errlen);
	if (text == NULL)
		return -1;
	int rc = config_parse(cfg, path, text, len, need_secrets, err, errlen);
	free(text);
	return rc;
}

int config_reload_log_level(const struct config *cfg, enum log_level *out, char *err, size_t errlen)
{
	struct config fresh;
	int rc = config_load(&fresh, cfg->path, 0, err, errlen);
	if (rc == 0)
		*out = fresh.log_level;
	config_free(&fresh);
	return rc;
}

static void free_secret(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (keys[i].type == TYPE_DURATION || keys[i].type == TYPE_COUNT ||
		    keys[i].type == TYPE_LOG_LEVEL || keys[i].type == TYPE_ORIGINS ||
		    keys[i].type == TYPE_CIDRS || keys[i].type == TYPE_BOOL || keys[i].type == TYPE_SCHEDULE)
			continue;
		char **slot = (char **)((char *)cfg + keys[i].offset);
		free(*slot);
	}
	for (size_t i = 0; i < cfg->redirect_allow_count; i++)
		free(cfg->redirect_allow[i]);
	free(cfg->path);
	free_secret(cfg->api_token);
	free_secret(cfg->zaptec_password);
	free_secret(cfg->database_password);
	memset(cfg, 0, sizeof *cfg);
}
