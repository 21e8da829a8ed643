/*
 * test_config.c — the configuration parser over texts held in memory: every
 * error path with its "file:line: reason" message, every default of the
 * contract, comments and blank lines, and the secrets read from files or from
 * systemd's credentials directory. Check forks each test, so setenv() and the
 * temporary files stay inside the test that made them.
 */
#include <check.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"

Suite *config_suite(void);

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The three required keys, on lines 1 to 3: a bad line appended is line 4. */
#define REQUIRED                                                                                  \
	"lookup_key = BSJG\n"                                                                     \
	"public_url = https://partner.example\n"                                                 \
	"partner_name = Acme Energy\n"

static struct config cfg;
static char err[1024];

/* Parses text as the file "t.conf" and returns config_parse's result; the
 * message is in err, the configuration in cfg. */
static int parse(const char *text, int need_secrets)
{
	config_free(&cfg);
	err[0] = '\0';
	return config_parse(&cfg, "t.conf", text, strlen(text), need_secrets, err, sizeof err);
}

static void release(void)
{
	config_free(&cfg);
}

/* Writes content to a new file in a fresh temporary directory; returns its path
 * (static buffer) and the directory in dir_out (256 bytes) when not NULL. */
static const char *temp_file(const char *name, const char *content, char *dir_out)
{
	static char path[512];
	char dir[256] = "/tmp/accessd-config-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	/* Secret files must be private: make every file so, as an operator would. */
	ck_assert_int_eq(chmod(path, 0600), 0);
	if (dir_out)
		snprintf(dir_out, 256, "%s", dir);
	return path;
}

/* ---- errors that name a line ---- */

struct line_error {
	const char *line;      /* appended as line 4 */
	const char *message;   /* the exact message */
};

static const struct line_error line_errors[] = {
	{ "colour = blue", "t.conf:4: unknown key \"colour\"" },
	{ "Lookup_Key = X", "t.conf:4: unknown key \"Lookup_Key\"" },
	{ "lookup_key = AGAIN", "t.conf:4: lookup_key is set twice" },
	{ "log_level debug", "t.conf:4: expected \"key = value\"" },
	{ "portal_url", "t.conf:4: expected \"key = value\"" },
	{ "database =", "t.conf:4: database needs a value" },
	{ "request_ttl = 5x", "t.conf:4: request_ttl: not a duration (a number with s, m, h or d): 5x" },
	{ "request_ttl = -1", "t.conf:4: request_ttl: not a duration (a number with s, m, h or d): -1" },
	{ "request_ttl = 1.5h", "t.conf:4: request_ttl: not a duration (a number with s, m, h or d): 1.5h" },
	{ "callback_grace = h", "t.conf:4: callback_grace: not a duration (a number with s, m, h or d): h" },
	{ "request_ttl = 59s", "t.conf:4: request_ttl: 59s is out of range (60s .. 31536000s)" },
	{ "max_request_ttl = 366d", "t.conf:4: max_request_ttl: 366d is out of range (60s .. 31536000s)" },
	{ "callback_grace = 31d", "t.conf:4: callback_grace: 31d is out of range (0s .. 2592000s)" },
	{ "connection_timeout = 0", "t.conf:4: connection_timeout: 0 is out of range (1s .. 3600s)" },
	{ "connection_timeout = 2h", "t.conf:4: connection_timeout: 2h is out of range (1s .. 3600s)" },
	{ "verify_window = 0s", "t.conf:4: verify_window: 0s is out of range (1s .. 604800s)" },
	{ "reconcile_interval = 31d", "t.conf:4: reconcile_interval: 31d is out of range (0s .. 2592000s)" },
	{ "event_retention = 90x", "t.conf:4: event_retention: not a duration (a number with s, m, h or d): 90x" },
	{ "event_retention = 3651d", "t.conf:4: event_retention: 3651d is out of range (0s .. 315360000s)" },
	{ "rejected_callback_retention = -1d",
	  "t.conf:4: rejected_callback_retention: not a duration (a number with s, m, h or d): -1d" },
	{ "request_retention = 1w", "t.conf:4: request_retention: not a duration (a number with s, m, h or d): 1w" },
	{ "purge_interval = 0", "t.conf:4: purge_interval: 0 is out of range (1s .. 604800s)" },
	{ "purge_interval = 8d", "t.conf:4: purge_interval: 8d is out of range (1s .. 604800s)" },
	{ "threads = 0", "t.conf:4: threads: 0 is out of range (1 .. 256)" },
	{ "threads = 257", "t.conf:4: threads: 257 is out of range (1 .. 256)" },
	{ "threads = four", "t.conf:4: threads: not a whole number: four" },
	{ "threads = -2", "t.conf:4: threads: not a whole number: -2" },
	{ "threads = 4x", "t.conf:4: threads: not a whole number: 4x" },
	{ "max_connections = 0", "t.conf:4: max_connections: 0 is out of range (1 .. 1000000)" },
	{ "max_connections_per_ip = 1000001",
	  "t.conf:4: max_connections_per_ip: 1000001 is out of range (0 .. 1000000)" },
	{ "listen = 8080",
	  "t.conf:4: listen: expected host:port or [v6]:port with a numeric address, got 8080" },
	{ "listen = example.com:80",
	  "t.conf:4: listen: expected host:port or [v6]:port with a numeric address, got example.com:80" },
	{ "listen = 127.0.0.1:",
	  "t.conf:4: listen: expected host:port or [v6]:port with a numeric address, got 127.0.0.1:" },
	{ "listen = 127.0.0.1:65536",
	  "t.conf:4: listen: expected host:port or [v6]:port with a numeric address, got 127.0.0.1:65536" },
	{ "admin_listen = ::1:8081",
	  "t.conf:4: admin_listen: expected host:port or [v6]:port with a numeric address, got ::1:8081" },
	{ "admin_listen = [::1]8081",
	  "t.conf:4: admin_listen: expected host:port or [v6]:port with a numeric address, got [::1]8081" },
	{ "admin_listen = [nope]:8081",
	  "t.conf:4: admin_listen: expected host:port or [v6]:port with a numeric address, got [nope]:8081" },
	{ "portal_url = ftp://portal.zaptec.com",
	  "t.conf:4: portal_url: not an absolute http or https URL without query: ftp://portal.zaptec.com" },
	{ "portal_url = portal.zaptec.com",
	  "t.conf:4: portal_url: not an absolute http or https URL without query: portal.zaptec.com" },
	{ "portal_url = https://",
	  "t.conf:4: portal_url: not an absolute http or https URL without query: https://" },
	{ "zaptec_api_url = https://api.zaptec.com/?x=1",
	  "t.conf:4: zaptec_api_url: not an absolute http or https URL without query: https://api.zaptec.com/?x=1" },
	{ "zaptec_api_url = https://api.zaptec.com/#top",
	  "t.conf:4: zaptec_api_url: not an absolute http or https URL without query: https://api.zaptec.com/#top" },
	{ "zaptec_api_url = https://api zaptec.com",
	  "t.conf:4: zaptec_api_url: not an absolute http or https URL without query: https://api zaptec.com" },
	{ "redirect_allow = http://app.example",
	  "t.conf:4: redirect_allow: http://app.example: must use https (http is allowed only for loopback hosts)" },
	{ "redirect_allow = https://app.example https://app.example/path",
	  "t.conf:4: redirect_allow: https://app.example/path: must be an origin without a path or query" },
	{ "redirect_allow = app.example",
	  "t.conf:4: redirect_allow: app.example: must be an absolute https URL" },
	{ "trusted_proxies = 10.0.0.0/33", "t.conf:4: trusted_proxies: not an address or CIDR: 10.0.0.0/33" },
	{ "trusted_proxies = 10.0.0.1 10.0.0.0/", "t.conf:4: trusted_proxies: not an address or CIDR: 10.0.0.0/" },
	{ "trusted_proxies = ::1/129", "t.conf:4: trusted_proxies: not an address or CIDR: ::1/129" },
	{ "trusted_proxies = proxy.local", "t.conf:4: trusted_proxies: not an address or CIDR: proxy.local" },
	{ "trusted_proxies = 10.0.0.0/8x", "t.conf:4: trusted_proxies: not an address or CIDR: 10.0.0.0/8x" },
	{ "log_level = verbose", "t.conf:4: log_level: expected error, warn, info or debug, got verbose" },
	{ "log_level = INFO", "t.conf:4: log_level: expected error, warn, info or debug, got INFO" },
	{ "default_lang = english", "t.conf:4: default_lang: must be a language tag such as \"en\" or \"nb-NO\"" },
	{ "database = accessd.db", "t.conf:4: database: expected a file path or a postgresql:// URI, got accessd.db" },
	{ "database = postgresql://accessd:s3cret@db.example/accessd",
	  "t.conf:4: database: the URI holds a password; put it in database_password_file or the credential "
	  "\"database-password\" instead" },
	{ "database = postgres://db.example/accessd?user=accessd&password=s3cret",
	  "t.conf:4: database: the URI holds a password; put it in database_password_file or the credential "
	  "\"database-password\" instead" },
	{ "support_url = http://help.example/zaptec",
	  "t.conf:4: support_url: http://help.example/zaptec: must use https (http is allowed only for loopback hosts)" },
	{ "support_url = help.example", "t.conf:4: support_url: help.example: must be an absolute https URL" },
	{ "support_url = javascript:alert(1)",
	  "t.conf:4: support_url: javascript:alert(1): must be an absolute https URL" },
	{ "support_url = https://user@help.example/",
	  "t.conf:4: support_url: https://user@help.example/: must not contain user information" },
	{ "support_url = https://help.example/a\"b",
	  "t.conf:4: support_url: https://help.example/a\"b: must percent-encode quotes, angle brackets and braces" },
	{ "support_url = https://help.example/a b",
	  "t.conf:4: support_url: https://help.example/a b: must not contain spaces, control or non-ASCII characters" },
	{ "support_url = https://help.example/#top",
	  "t.conf:4: support_url: https://help.example/#top: must not contain a fragment" },
	{ "support_email = support", "t.conf:4: support_email: support: must be one local part, '@', and a domain" },
	{ "support_email = help@localhost",
	  "t.conf:4: support_email: help@localhost: must have a domain with a dot, such as example.com" },
	{ "support_email = a@b@example.com",
	  "t.conf:4: support_email: a@b@example.com: must be one local part, '@', and a domain" },
	{ "support_email = \"a b\"@example.com",
	  "t.conf:4: support_email: \"a b\"@example.com: has a character that does not belong in an address" },
	{ "support_email = help@exa_mple.com", "t.conf:4: support_email: help@exa_mple.com: has an invalid domain" },
	{ "support_email = help@example..com", "t.conf:4: support_email: help@example..com: has an invalid domain" },
	{ "support_email = <help@example.com>",
	  "t.conf:4: support_email: <help@example.com>: has a character that does not belong in an address" },
};

START_TEST(test_a_bad_line_is_named_with_its_file_and_line)
{
	const struct line_error *c = &line_errors[_i];
	char text[1024];
	snprintf(text, sizeof text, REQUIRED "%s\n", c->line);
	ck_assert_msg(parse(text, 0) == -1, "\"%s\" was accepted", c->line);
	ck_assert_str_eq(err, c->message);
	release();
}
END_TEST

START_TEST(test_the_line_number_counts_comments_and_blank_lines)
{
	ck_assert_int_eq(parse("# a comment\n\n   \n\t# indented comment\n" REQUIRED "\nbogus = 1\n", 0), -1);
	ck_assert_str_eq(err, "t.conf:9: unknown key \"bogus\"");
	release();
}
END_TEST

START_TEST(test_a_line_longer_than_4_kib_is_refused)
{
	size_t n = 5000;
	char *text = malloc(n + 64);
	ck_assert_ptr_nonnull(text);
	strcpy(text, "lookup_key = ");
	size_t used = strlen(text);
	memset(text + used, 'k', n);
	strcpy(text + used + n, "\n");
	ck_assert_int_eq(parse(text, 0), -1);
	ck_assert_str_eq(err, "t.conf:1: line too long");
	free(text);
	release();
}
END_TEST

START_TEST(test_a_nul_byte_is_not_a_text_file)
{
	static const char text[] = "lookup_key = A\0B\n";
	config_free(&cfg);
	ck_assert_int_eq(config_parse(&cfg, "t.conf", text, sizeof text - 1, 0, err, sizeof err), -1);
	ck_assert_str_eq(err, "t.conf: not a text file");
	release();
}
END_TEST

/* ---- errors about the whole file ---- */

struct file_error {
	const char *text;
	const char *message;
};

static const struct file_error file_errors[] = {
	{ "public_url = https://p.example\npartner_name = Acme\n", "t.conf: required key lookup_key is missing" },
	{ "lookup_key = K\npartner_name = Acme\n", "t.conf: required key public_url is missing" },
	{ "lookup_key = K\npublic_url = https://p.example\n", "t.conf: required key partner_name is missing" },
	{ "", "t.conf: required keys lookup_key, public_url and partner_name are missing" },
	{ "partner_name = Acme\n", "t.conf: required keys lookup_key and public_url are missing" },
	{ REQUIRED "request_ttl = 31d\n", "t.conf: request_ttl is longer than max_request_ttl" },
	{ REQUIRED "request_ttl = 2d\nmax_request_ttl = 1d\n", "t.conf: request_ttl is longer than max_request_ttl" },
	{ REQUIRED "tls_cert_file = /etc/ssl/cert.pem\n", "t.conf: tls_cert_file and tls_key_file go together" },
	{ REQUIRED "tls_key_file = /etc/ssl/key.pem\n", "t.conf: tls_cert_file and tls_key_file go together" },
};

START_TEST(test_a_missing_key_or_a_bad_combination_names_the_file)
{
	const struct file_error *c = &file_errors[_i];
	ck_assert_msg(parse(c->text, 0) == -1, "accepted: %s", c->text);
	ck_assert_str_eq(err, c->message);
	release();
}
END_TEST

START_TEST(test_a_missing_file_names_its_path)
{
	config_free(&cfg);
	ck_assert_int_eq(config_load(&cfg, "/nonexistent/zaptec-accessd.conf", 0, err, sizeof err), -1);
	ck_assert_str_eq(err, "/nonexistent/zaptec-accessd.conf: cannot open: No such file or directory");
	release();
}
END_TEST

START_TEST(test_a_file_on_disk_names_its_path_in_line_errors)
{
	char dir[256], cmd[300];
	const char *path = temp_file("accessd.conf", REQUIRED "\nnope = 1\n", dir);
	char expected[1200];
	snprintf(expected, sizeof expected, "%s:5: unknown key \"nope\"", path);
	ck_assert_int_eq(config_load(&cfg, path, 0, err, sizeof err), -1);
	ck_assert_str_eq(err, expected);
	release();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- what a good file gives ---- */

START_TEST(test_every_key_has_the_contracts_default)
{
	ck_assert_int_eq(parse(REQUIRED, 0), 0);
	ck_assert_str_eq(cfg.path, "t.conf");
	ck_assert_str_eq(cfg.lookup_key, "BSJG");
	ck_assert_str_eq(cfg.public_url, "https://partner.example");
	ck_assert_str_eq(cfg.partner_name, "Acme Energy");
	ck_assert_str_eq(cfg.portal_url, "https://portal.zaptec.com");
	ck_assert_str_eq(cfg.default_lang, "en");
	ck_assert_str_eq(cfg.listen, "0.0.0.0:8080");
	ck_assert_str_eq(cfg.admin_listen, "127.0.0.1:8081");
	ck_assert_str_eq(cfg.database, "/var/lib/zaptec-accessd/accessd.db");
	ck_assert_ptr_null(cfg.api_token_file);
	ck_assert_ptr_null(cfg.api_token); /* secrets not asked for */
	ck_assert_int_eq(cfg.request_ttl, 7 * 86400);
	ck_assert_int_eq(cfg.max_request_ttl, 30 * 86400);
	ck_assert_int_eq(cfg.callback_grace, 3600);
	ck_assert_uint_eq(cfg.redirect_allow_count, 0);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	ck_assert_uint_eq(cfg.threads, cpus < 1 ? 1 : (cpus > 256 ? 256 : (unsigned)cpus));
	ck_assert_uint_eq(cfg.max_connections, 1024);
	ck_assert_uint_eq(cfg.max_connections_per_ip, 0);
	ck_assert_int_eq(cfg.connection_timeout, 30);
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_INFO);
	ck_assert_ptr_null(cfg.tls_cert_file);
	ck_assert_ptr_null(cfg.tls_key_file);
	ck_assert_uint_eq(cfg.trusted_proxy_count, 0);
	ck_assert_str_eq(cfg.zaptec_api_url, "https://api.zaptec.com");
	ck_assert_ptr_null(cfg.zaptec_username);
	ck_assert_ptr_null(cfg.zaptec_password_file);
	ck_assert_ptr_null(cfg.zaptec_password);
	ck_assert_int_eq(cfg.verify_window, 60);
	ck_assert_int_eq(cfg.reconcile_interval, 6 * 3600);
	ck_assert_int_eq(cfg.event_retention, 90 * 86400);
	ck_assert_int_eq(cfg.rejected_callback_retention, 30 * 86400);
	ck_assert_int_eq(cfg.request_retention, 90 * 86400);
	ck_assert_int_eq(cfg.purge_interval, 600);
	ck_assert_ptr_null(cfg.support_url);
	ck_assert_ptr_null(cfg.support_email);
	release();
}
END_TEST

START_TEST(test_every_key_takes_a_good_value)
{
	static const char text[] =
		"# every key of the contract, set\n"
		"lookup_key = K/1 x\n"
		"public_url = http://127.0.0.1:8080/\n"
		"partner_name = Strøm & Co\n"
		"portal_url = http://127.0.0.1:9000//\n"
		"default_lang = nb-NO\n"
		"listen = [::1]:0\n"
		"admin_listen = localhost:65535\n"
		"database = ./var/accessd.db\n"
		"api_token_file = /run/token\n"
		"request_ttl = 1d\n"
		"max_request_ttl = 48h\n"
		"callback_grace = 0\n"
		"redirect_allow = https://APP.example:443/ \thttp://localhost:3000\n"
		"threads = 3\n"
		"max_connections = 10\n"
		"max_connections_per_ip = 5\n"
		"connection_timeout = 15m\n"
		"log_level = debug\n"
		"tls_cert_file = /etc/ssl/cert.pem\n"
		"tls_key_file = /etc/ssl/key.pem\n"
		"trusted_proxies = 10.0.0.0/8 192.168.1.7 ::1 fd00::/8\n"
		"zaptec_api_url = https://api.example/v2/\n"
		"zaptec_username = svc@partner.example\n"
		"zaptec_password_file = /run/zaptec\n"
		"verify_window = 90\n"
		"reconcile_interval = 0\n"
		"support_url = https://help.example/zaptec?from=link\n"
		"support_email = kunde-service+zaptec@strom.example.no\n"
		"event_retention = 2d\n"
		"rejected_callback_retention = 0\n"
		"request_retention = 36h\n"
		"purge_interval = 30s\n";
	ck_assert_msg(parse(text, 0) == 0, "%s", err);
	ck_assert_str_eq(cfg.support_url, "https://help.example/zaptec?from=link");
	ck_assert_str_eq(cfg.support_email, "kunde-service+zaptec@strom.example.no");
	ck_assert_str_eq(cfg.lookup_key, "K/1 x");
	ck_assert_str_eq(cfg.public_url, "http://127.0.0.1:8080");
	ck_assert_str_eq(cfg.partner_name, "Strøm & Co");
	ck_assert_str_eq(cfg.portal_url, "http://127.0.0.1:9000");
	ck_assert_str_eq(cfg.default_lang, "nb-NO");
	ck_assert_str_eq(cfg.listen, "[::1]:0");
	ck_assert_str_eq(cfg.admin_listen, "localhost:65535");
	ck_assert_str_eq(cfg.database, "./var/accessd.db");
	ck_assert_str_eq(cfg.api_token_file, "/run/token");
	ck_assert_int_eq(cfg.request_ttl, 86400);
	ck_assert_int_eq(cfg.max_request_ttl, 48 * 3600);
	ck_assert_int_eq(cfg.callback_grace, 0);
	ck_assert_uint_eq(cfg.redirect_allow_count, 2);
	ck_assert_str_eq(cfg.redirect_allow[0], "https://app.example");
	ck_assert_str_eq(cfg.redirect_allow[1], "http://localhost:3000");
	ck_assert_uint_eq(cfg.threads, 3);
	ck_assert_uint_eq(cfg.max_connections, 10);
	ck_assert_uint_eq(cfg.max_connections_per_ip, 5);
	ck_assert_int_eq(cfg.connection_timeout, 900);
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_DEBUG);
	ck_assert_str_eq(cfg.tls_cert_file, "/etc/ssl/cert.pem");
	ck_assert_str_eq(cfg.tls_key_file, "/etc/ssl/key.pem");
	ck_assert_uint_eq(cfg.trusted_proxy_count, 4);
	ck_assert_int_eq(cfg.trusted_proxies[0].family, AF_INET);
	ck_assert_uint_eq(cfg.trusted_proxies[0].prefix, 8);
	ck_assert_uint_eq(cfg.trusted_proxies[0].addr[0], 10);
	ck_assert_uint_eq(cfg.trusted_proxies[1].prefix, 32);
	ck_assert_int_eq(cfg.trusted_proxies[2].family, AF_INET6);
	ck_assert_uint_eq(cfg.trusted_proxies[2].prefix, 128);
	ck_assert_uint_eq(cfg.trusted_proxies[3].prefix, 8);
	ck_assert_uint_eq(cfg.trusted_proxies[3].addr[0], 0xfd);
	ck_assert_str_eq(cfg.zaptec_api_url, "https://api.example/v2");
	ck_assert_str_eq(cfg.zaptec_username, "svc@partner.example");
	ck_assert_str_eq(cfg.zaptec_password_file, "/run/zaptec");
	ck_assert_int_eq(cfg.verify_window, 90);
	ck_assert_int_eq(cfg.reconcile_interval, 0);
	ck_assert_int_eq(cfg.event_retention, 2 * 86400);
	ck_assert_int_eq(cfg.rejected_callback_retention, 0);
	ck_assert_int_eq(cfg.request_retention, 36 * 3600);
	ck_assert_int_eq(cfg.purge_interval, 30);
	release();
}
END_TEST

START_TEST(test_a_trailing_slash_on_public_url_is_dropped)
{
	ck_assert_int_eq(parse("lookup_key = K\npublic_url = https://partner.example/base/\npartner_name = A\n", 0), 0);
	ck_assert_str_eq(cfg.public_url, "https://partner.example/base");
	ck_assert_int_eq(parse("lookup_key = K\npublic_url = https://partner.example/\npartner_name = A\n", 0), 0);
	ck_assert_str_eq(cfg.public_url, "https://partner.example");
	release();
}
END_TEST

START_TEST(test_spaces_comments_and_blank_lines_are_ignored)
{
	static const char text[] =
		"# zaptec-accessd\n"
		"\n"
		"   # an indented comment = not a key\n"
		"\t\n"
		"  lookup_key\t=\tBSJG  \n"
		"public_url=https://partner.example\n"
		"partner_name =   Acme Energy\t\n"
		"log_level = warn";  /* no final newline */
	ck_assert_msg(parse(text, 0) == 0, "%s", err);
	ck_assert_str_eq(cfg.lookup_key, "BSJG");
	ck_assert_str_eq(cfg.public_url, "https://partner.example");
	ck_assert_str_eq(cfg.partner_name, "Acme Energy");
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_WARN);
	release();
}
END_TEST

START_TEST(test_a_file_with_crlf_line_ends_is_read)
{
	static const char text[] =
		"# written on Windows\r\n"
		"lookup_key = BSJG\r\n"
		"\r\n"
		"public_url = https://partner.example\r\n"
		"partner_name = Acme Energy\r\n";
	ck_assert_msg(parse(text, 0) == 0, "%s", err);
	ck_assert_str_eq(cfg.lookup_key, "BSJG");
	ck_assert_str_eq(cfg.partner_name, "Acme Energy");
	release();
}
END_TEST

START_TEST(test_an_optional_key_may_be_left_empty)
{
	ck_assert_msg(parse(REQUIRED "threads =\ntls_cert_file =\nredirect_allow =\nzaptec_username =\n", 0) == 0,
		      "%s", err);
	ck_assert_uint_ge(cfg.threads, 1);
	ck_assert_ptr_null(cfg.tls_cert_file);
	ck_assert_ptr_null(cfg.zaptec_username);
	ck_assert_uint_eq(cfg.redirect_allow_count, 0);
	release();
}
END_TEST

/* ---- secrets ---- */

START_TEST(test_the_api_token_file_is_read_and_trimmed)
{
	char dir[256], text[2048], cmd[300];
	const char *path = temp_file("api-token", "  s3cret token 0123456789abcdefghij \n\n", dir);
	unsetenv("CREDENTIALS_DIRECTORY");
	snprintf(text, sizeof text, REQUIRED "api_token_file = %s\n", path);
	ck_assert_msg(parse(text, 1) == 0, "%s", err);
	ck_assert_str_eq(cfg.api_token, "  s3cret token 0123456789abcdefghij");
	ck_assert_ptr_null(cfg.zaptec_password);
	release();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_the_systemd_credential_is_used_without_api_token_file)
{
	char dir[256], cmd[300];
	temp_file("api-token", "from-credentials-0123456789abcdef\n", dir);
	ck_assert_int_eq(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	ck_assert_msg(parse(REQUIRED, 1) == 0, "%s", err);
	ck_assert_str_eq(cfg.api_token, "from-credentials-0123456789abcdef");
	release();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_api_token_file_wins_over_the_credential)
{
	char dir[256], text[2048], cmd[600];
	char cred_dir[256];
	temp_file("api-token", "from-credentials-0123456789abcdef\n", cred_dir);
	const char *path = temp_file("token", "from-file-0123456789abcdef0123456789\n", dir);
	ck_assert_int_eq(setenv("CREDENTIALS_DIRECTORY", cred_dir, 1), 0);
	snprintf(text, sizeof text, REQUIRED "api_token_file = %s\n", path);
	ck_assert_msg(parse(text, 1) == 0, "%s", err);
	ck_assert_str_eq(cfg.api_token, "from-file-0123456789abcdef0123456789");
	release();
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, cred_dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_no_token_anywhere_is_an_error_naming_it)
{
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_int_eq(parse(REQUIRED, 1), -1);
	ck_assert_str_eq(err, "t.conf: admin API token: no api_token: set api_token_file, or pass the "
			      "systemd credential \"api-token\"");
	release();
}
END_TEST

START_TEST(test_an_unreadable_or_empty_token_file_is_an_error_naming_it)
{
	char dir[256], text[2048], cmd[300];
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_int_eq(parse(REQUIRED "api_token_file = /nonexistent/api-token\n", 1), -1);
	ck_assert_str_eq(err, "t.conf: admin API token: /nonexistent/api-token: cannot read: No such file or directory");

	const char *path = temp_file("api-token", " \n\t\n", dir);
	snprintf(text, sizeof text, REQUIRED "api_token_file = %s\n", path);
	ck_assert_int_eq(parse(text, 1), -1);
	char expected[1200];
	snprintf(expected, sizeof expected, "t.conf: admin API token: %s: empty or not text", path);
	ck_assert_str_eq(err, expected);

	/* The credential directory without the file named: the path says which. */
	ck_assert_int_eq(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(parse(REQUIRED, 1), -1);
	snprintf(expected, sizeof expected, "t.conf: admin API token: %s/api-token: cannot read: No such file or directory",
		 dir);
	ck_assert_str_eq(err, expected);
	release();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_secrets_are_not_read_when_not_needed)
{
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_msg(parse(REQUIRED "api_token_file = /nonexistent/api-token\nzaptec_username = svc\n", 0) == 0,
		      "%s", err);
	ck_assert_ptr_null(cfg.api_token);
	ck_assert_ptr_null(cfg.zaptec_password);
	release();
}
END_TEST

START_TEST(test_the_zaptec_password_is_needed_only_with_a_username)
{
	char dir[256], text[2048], cmd[300];
	const char *token = temp_file("api-token", "tok-0123456789abcdef0123456789abcdef\n", dir);
	char token_path[512];
	snprintf(token_path, sizeof token_path, "%s", token);
	unsetenv("CREDENTIALS_DIRECTORY");

	/* No username: no password asked for. */
	snprintf(text, sizeof text, REQUIRED "api_token_file = %s\n", token_path);
	ck_assert_msg(parse(text, 1) == 0, "%s", err);
	ck_assert_ptr_null(cfg.zaptec_password);

	/* A username without a password anywhere. */
	snprintf(text, sizeof text, REQUIRED "api_token_file = %s\nzaptec_username = svc\n", token_path);
	ck_assert_int_eq(parse(text, 1), -1);
	ck_assert_str_eq(err, "t.conf: Zaptec password: no zaptec_password: set zaptec_password_file, or pass "
			      "the systemd credential \"zaptec-password\"");

	/* From the credentials directory. */
	char pw_path[600];
	snprintf(pw_path, sizeof pw_path, "%s/zaptec-password", dir);
	FILE *f = fopen(pw_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("pa ss\r\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(pw_path, 0600), 0);
	ck_assert_int_eq(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	ck_assert_msg(parse(text, 1) == 0, "%s", err);
	ck_assert_str_eq(cfg.zaptec_password, "pa ss");

	/* From zaptec_password_file. */
	unsetenv("CREDENTIALS_DIRECTORY");
	snprintf(text, sizeof text, REQUIRED "api_token_file = %s\nzaptec_username = svc\nzaptec_password_file = %s\n",
		 token_path, pw_path);
	ck_assert_msg(parse(text, 1) == 0, "%s", err);
	ck_assert_str_eq(cfg.zaptec_password, "pa ss");
	release();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Parses REQUIRED with api_token_file = path and extra lines; returns 0 or -1. */
static int parse_with_token(const char *path, const char *extra)
{
	char text[2048];
	snprintf(text, sizeof text, REQUIRED "api_token_file = %s\n%s", path, extra);
	return parse(text, 1);
}

static void remove_dir(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_an_admin_token_under_32_characters_is_refused)
{
	char dir[256], path[512];
	unsetenv("CREDENTIALS_DIRECTORY");
	snprintf(path, sizeof path, "%s", temp_file("api-token", "0123456789abcdef0123456789abcde\n", dir));
	ck_assert_int_eq(parse_with_token(path, ""), -1);
	ck_assert_str_eq(err, "t.conf: admin API token: has 31 characters; at least 32 are needed");
	/* Characters, not bytes: 31 letters "ø" are 62 bytes and still too few. */
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 31; i++)
		fputs("\xc3\xb8", f);
	fclose(f);
	ck_assert_int_eq(parse_with_token(path, ""), -1);
	ck_assert_str_eq(err, "t.conf: admin API token: has 31 characters; at least 32 are needed");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	ck_assert_msg(parse_with_token(path, "") == 0, "%s", err);
	release();
	remove_dir(dir);
}
END_TEST

START_TEST(test_a_secret_file_others_can_read_is_refused)
{
	static const mode_t modes[] = { 0640, 0604, 0644, 0440 };
	char dir[256], path[512], expected[1200];
	unsetenv("CREDENTIALS_DIRECTORY");
	snprintf(path, sizeof path, "%s", temp_file("api-token", "0123456789abcdef0123456789abcdef\n", dir));
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		ck_assert_int_eq(chmod(path, modes[i]), 0);
		ck_assert_int_eq(parse_with_token(path, ""), -1);
		snprintf(expected, sizeof expected,
			 "t.conf: admin API token: %s: group or others can read it (mode %04o): chmod 600 it", path,
			 (unsigned)modes[i]);
		ck_assert_str_eq(err, expected);
	}
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_msg(parse_with_token(path, "") == 0, "%s", err);

	/* The Zaptec password file too. */
	char pw[600], extra[800];
	snprintf(pw, sizeof pw, "%s/zaptec-password", dir);
	FILE *f = fopen(pw, "w");
	ck_assert_ptr_nonnull(f);
	fputs("secret\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(pw, 0644), 0);
	snprintf(extra, sizeof extra, "zaptec_username = svc\nzaptec_password_file = %s\n", pw);
	ck_assert_int_eq(parse_with_token(path, extra), -1);
	snprintf(expected, sizeof expected,
		 "t.conf: Zaptec password: %s: group or others can read it (mode 0644): chmod 600 it", pw);
	ck_assert_str_eq(err, expected);
	release();
	remove_dir(dir);
}
END_TEST

START_TEST(test_a_secret_file_another_user_owns_is_refused)
{
	char dir[256], path[512], expected[1200];
	unsetenv("CREDENTIALS_DIRECTORY");
	snprintf(path, sizeof path, "%s", temp_file("api-token", "0123456789abcdef0123456789abcdef\n", dir));
	/* As root, give the file away; as anyone else, a file root owns will do. */
	uid_t other = geteuid() == 0 ? 65534 : 0;
	if (geteuid() == 0)
		ck_assert_int_eq(chown(path, other, (gid_t)-1), 0);
	else
		snprintf(path, sizeof path, "/etc/hostname");
	ck_assert_int_eq(parse_with_token(path, ""), -1);
	snprintf(expected, sizeof expected,
		 "t.conf: admin API token: %s: is owned by uid %u, not by this user (uid %u): chown it", path,
		 (unsigned)other, (unsigned)geteuid());
	ck_assert_str_eq(err, expected);
	release();
	remove_dir(dir);
}
END_TEST

/* systemd sets the owner and mode of credentials for the service: files there
 * are taken as they are, whether named by the credential or by a path. */
START_TEST(test_the_credentials_directory_is_trusted_as_it_is)
{
	char dir[256], path[512];
	snprintf(path, sizeof path, "%s", temp_file("api-token", "0123456789abcdef0123456789abcdef\n", dir));
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	ck_assert_msg(parse(REQUIRED, 1) == 0, "%s", err);
	ck_assert_msg(parse_with_token(path, "") == 0, "%s", err);
	/* A directory whose name merely starts the same is not inside it. */
	char sibling[300];
	snprintf(sibling, sizeof sibling, "%s-x", dir);
	ck_assert_int_eq(setenv("CREDENTIALS_DIRECTORY", sibling, 1), 0);
	ck_assert_int_eq(parse_with_token(path, ""), -1);
	unsetenv("CREDENTIALS_DIRECTORY");
	release();
	remove_dir(dir);
}
END_TEST

START_TEST(test_zaptec_api_url_must_be_https_unless_loopback)
{
	static const char *const ok[] = {
		"https://api.zaptec.com", "http://127.0.0.1:9000", "http://[::1]:9000", "http://localhost:9000",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char text[512];
		snprintf(text, sizeof text, REQUIRED "zaptec_api_url = %s\n", ok[i]);
		ck_assert_msg(parse(text, 0) == 0, "%s: %s", ok[i], err);
	}
	ck_assert_int_eq(parse(REQUIRED "zaptec_api_url = http://api.zaptec.com\n", 0), -1);
	ck_assert_str_eq(err, "t.conf: zaptec_api_url must use https (http is allowed only for loopback hosts)");
	ck_assert_int_eq(parse(REQUIRED "zaptec_api_url = http://10.0.0.1:8080\n", 0), -1);
	ck_assert_int_eq(parse(REQUIRED "zaptec_api_url = https://user@api.zaptec.com\n", 0), -1);
	ck_assert_str_eq(err, "t.conf: zaptec_api_url must not contain user information");
	release();
}
END_TEST

/* ---- durations ---- */

struct duration_case {
	const char *text;
	int ok;
	int64_t seconds;
};

static const struct duration_case durations[] = {
	{ "0", 1, 0 },
	{ "30", 1, 30 },
	{ "30s", 1, 30 },
	{ "15m", 1, 900 },
	{ "6h", 1, 21600 },
	{ "7d", 1, 604800 },
	{ "007d", 1, 604800 },
	{ "", 0, 0 },
	{ "s", 0, 0 },
	{ "5x", 0, 0 },
	{ "-1", 0, 0 },
	{ "+5", 0, 0 },
	{ "1.5h", 0, 0 },
	{ " 5s", 0, 0 },
	{ "5 s", 0, 0 },
	{ "5s ", 0, 0 },
	{ "5S", 0, 0 },
	{ "5ss", 0, 0 },
	{ "1h30m", 0, 0 },
	{ "99999999999999999999", 0, 0 },
	{ "9223372036854775807d", 0, 0 },
	{ "9223372036854775807", 1, INT64_MAX },
};

START_TEST(test_durations_parse_or_are_refused)
{
	const struct duration_case *c = &durations[_i];
	int64_t out = -42;
	int rc = config_parse_duration(c->text, &out);
	if (c->ok) {
		ck_assert_msg(rc == 0, "\"%s\" was refused", c->text);
		ck_assert_msg(out == c->seconds, "\"%s\" gave %lld", c->text, (long long)out);
	} else {
		ck_assert_msg(rc == -1, "\"%s\" was accepted as %lld", c->text, (long long)out);
		ck_assert_msg(out == -42, "\"%s\" changed the output on failure", c->text);
	}
}
END_TEST

START_TEST(test_config_free_accepts_null_and_a_zeroed_struct)
{
	struct config zero;
	memset(&zero, 0, sizeof zero);
	config_free(NULL);
	config_free(&zero);
	config_free(&zero);
	ck_assert_ptr_null(zero.path);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_a_bad_line_is_named_with_its_file_and_line, 0, COUNT(line_errors));
	tcase_add_test(tc, test_the_line_number_counts_comments_and_blank_lines);
	tcase_add_test(tc, test_a_line_longer_than_4_kib_is_refused);
	tcase_add_test(tc, test_a_nul_byte_is_not_a_text_file);
	tcase_add_loop_test(tc, test_a_missing_key_or_a_bad_combination_names_the_file, 0, COUNT(file_errors));
	tcase_add_test(tc, test_a_missing_file_names_its_path);
	tcase_add_test(tc, test_a_file_on_disk_names_its_path_in_line_errors);
	tcase_add_test(tc, test_every_key_has_the_contracts_default);
	tcase_add_test(tc, test_every_key_takes_a_good_value);
	tcase_add_test(tc, test_a_trailing_slash_on_public_url_is_dropped);
	tcase_add_test(tc, test_spaces_comments_and_blank_lines_are_ignored);
	tcase_add_test(tc, test_a_file_with_crlf_line_ends_is_read);
	tcase_add_test(tc, test_an_optional_key_may_be_left_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("secrets");
	tcase_add_test(tc, test_the_api_token_file_is_read_and_trimmed);
	tcase_add_test(tc, test_the_systemd_credential_is_used_without_api_token_file);
	tcase_add_test(tc, test_api_token_file_wins_over_the_credential);
	tcase_add_test(tc, test_no_token_anywhere_is_an_error_naming_it);
	tcase_add_test(tc, test_an_unreadable_or_empty_token_file_is_an_error_naming_it);
	tcase_add_test(tc, test_secrets_are_not_read_when_not_needed);
	tcase_add_test(tc, test_the_zaptec_password_is_needed_only_with_a_username);
	tcase_add_test(tc, test_an_admin_token_under_32_characters_is_refused);
	tcase_add_test(tc, test_a_secret_file_others_can_read_is_refused);
	tcase_add_test(tc, test_a_secret_file_another_user_owns_is_refused);
	tcase_add_test(tc, test_the_credentials_directory_is_trusted_as_it_is);
	tcase_add_test(tc, test_zaptec_api_url_must_be_https_unless_loopback);
	suite_add_tcase(s, tc);

	tc = tcase_create("durations");
	tcase_add_loop_test(tc, test_durations_parse_or_are_refused, 0, COUNT(durations));
	tcase_add_test(tc, test_config_free_accepts_null_and_a_zeroed_struct);
	suite_add_tcase(s, tc);
	return s;
}
