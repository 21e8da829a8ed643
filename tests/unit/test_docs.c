/*
 * test_docs.c — the shipped documentation against the daemon itself: every key
 * of config.c's table is described in zaptec-accessd.conf(5) and in the sample
 * configuration, and every admin route of the route table is in the OpenAPI
 * document, and the reverse of each. A key or a route added without its
 * documentation fails here, naming it. The files are read relative to the
 * repository's root, where tests/run-all.sh runs the suites.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"

Suite *docs_suite(void);

#define MAX_NAMES 256
#define MAX_NAME 160

/* A set of names, small enough to search by walking it. */
struct names {
	char item[MAX_NAMES][MAX_NAME];
	int count;
};

static void names_add(struct names *set, const char *name, size_t len)
{
	ck_assert_msg(set->count < MAX_NAMES, "more than %d names", MAX_NAMES);
	ck_assert_msg(len < MAX_NAME, "name too long: %.*s", (int)len, name);
	memcpy(set->item[set->count], name, len);
	set->item[set->count][len] = '\0';
	set->count++;
}

static int names_has(const struct names *set, const char *name)
{
	for (int i = 0; i < set->count; i++)
		if (strcmp(set->item[i], name) == 0)
			return 1;
	return 0;
}

/* Fails naming every name of want missing from have: "what" says where. */
static void assert_subset(const struct names *want, const struct names *have, const char *what)
{
	char missing[4096] = "";
	for (int i = 0; i < want->count; i++) {
		if (!names_has(have, want->item[i])) {
			strncat(missing, " ", sizeof missing - strlen(missing) - 1);
			strncat(missing, want->item[i], sizeof missing - strlen(missing) - 1);
		}
	}
	ck_assert_msg(missing[0] == '\0', "%s:%s", what, missing);
}

/* Calls line_fn on every line of the file at path (without its newline). */
static void each_line(const char *path, void (*line_fn)(const char *line, void *arg), void *arg)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	ck_assert_msg(f != NULL, "cannot open %s (run the suites from the repository's root)", path);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		line_fn(line, arg);
	}
	fclose(f);
}

static size_t key_length(const char *s)
{
	size_t n = 0;
	while (s[n] == '_' || islower((unsigned char)s[n]) || isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* ".It Cm key" in the manual page: the one way it introduces a key. */
static void manual_key(const char *line, void *arg)
{
	if (strncmp(line, ".It Cm ", 7) == 0) {
		size_t n = key_length(line + 7);
		if (n > 0 && line[7 + n] == '\0')
			names_add(arg, line + 7, n);
	}
}

/* "key = value" or "#key = value" at the start of a line of the sample; a
 * key without a default may be shown as "#key =". */
static void sample_key(const char *line, void *arg)
{
	const char *p = line[0] == '#' ? line + 1 : line;
	size_t n = key_length(p);
	if (n > 0 && strncmp(p + n, " =", 2) == 0 && (p[n + 2] == ' ' || p[n + 2] == '\0'))
		names_add(arg, p, n);
}

static void daemon_keys(struct names *set)
{
	const char *name;
	for (size_t i = 0; (name = config_key_name(i)) != NULL; i++)
		names_add(set, name, strlen(name));
	ck_assert_int_gt(set->count, 20);
}

START_TEST(test_every_key_is_in_the_manual_page_and_the_reverse)
{
	static struct names daemon, manual;
	daemon_keys(&daemon);
	each_line("doc/zaptec-accessd.conf.5", manual_key, &manual);
	assert_subset(&daemon, &manual, "keys the daemon accepts but zaptec-accessd.conf.5 does not describe");
	assert_subset(&manual, &daemon, "keys zaptec-accessd.conf.5 describes but the daemon does not accept");
}
END_TEST

START_TEST(test_every_key_is_in_the_sample_configuration_and_the_reverse)
{
	static struct names daemon, sample;
	daemon_keys(&daemon);
	each_line("conf/zaptec-accessd.conf", sample_key, &sample);
	assert_subset(&daemon, &sample, "keys the daemon accepts but conf/zaptec-accessd.conf lacks");
	assert_subset(&sample, &daemon, "keys conf/zaptec-accessd.conf sets but the daemon does not accept");
}
END_TEST

/* Where the OpenAPI reader is: inside "paths:", and under which path. */
struct openapi_scan {
	struct names *ops;
	int in_paths;
	char path[MAX_NAME];
};

/* Appends "METHOD /path" to set, with every "{name}" of path written "{}" as
 * the route table writes it. */
static void add_operation(struct names *set, const char *method, const char *path)
{
	char op[MAX_NAME];
	size_t n = 0;

	for (const char *m = method; *m && n < sizeof op - 1; m++)
		op[n++] = (char)toupper((unsigned char)*m);
	op[n++] = ' ';
	for (const char *p = path; *p && n < sizeof op - 3; p++) {
		op[n++] = *p;
		if (*p == '{') {
			while (*p && *p != '}')
				p++;
			op[n++] = '}';
			if (*p == '\0')
				break;
		}
	}
	names_add(set, op, n);
}

/* The document is block-style YAML: a path is a key indented by two spaces
 * under the top-level "paths:", its operations keys indented by four. */
static void openapi_line(const char *line, void *arg)
{
	static const char *const methods[] = { "get", "put", "post", "delete", "patch", "head", "options", NULL };
	struct openapi_scan *scan = arg;

	if (line[0] != ' ' && line[0] != '#' && line[0] != '\0') {
		scan->in_paths = strcmp(line, "paths:") == 0;
		scan->path[0] = '\0';
		return;
	}
	if (!scan->in_paths)
		return;
	if (strncmp(line, "  /", 3) == 0) {
		size_t n = strcspn(line + 2, ":");
		ck_assert_msg(line[2 + n] == ':' && line[3 + n] == '\0', "openapi.yaml: unexpected path line: %s", line);
		ck_assert_msg(n < MAX_NAME, "openapi.yaml: path too long");
		memcpy(scan->path, line + 2, n);
		scan->path[n] = '\0';
		return;
	}
	if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' && scan->path[0] != '\0') {
		for (int i = 0; methods[i]; i++) {
			size_t n = strlen(methods[i]);
			if (strncmp(line + 4, methods[i], n) == 0 && strcmp(line + 4 + n, ":") == 0)
				add_operation(scan->ops, methods[i], scan->path);
		}
	}
}

START_TEST(test_every_admin_route_is_in_the_openapi_document_and_the_reverse)
{
	static struct names routes, documented;
	struct openapi_scan scan = { .ops = &documented };

	for (const struct http_route *r = http_routes; r->method != NULL; r++)
		if (r->listeners & HTTP_ADMIN)
			add_operation(&routes, r->method, r->pattern);
	ck_assert_int_gt(routes.count, 5);
	each_line("doc/openapi.yaml", openapi_line, &scan);
	assert_subset(&routes, &documented, "admin routes doc/openapi.yaml does not describe");
	assert_subset(&documented, &routes, "operations doc/openapi.yaml describes but the admin listener does not route");
}
END_TEST

Suite *docs_suite(void)
{
	Suite *s = suite_create("docs");
	TCase *tc = tcase_create("docs");
	tcase_add_test(tc, test_every_key_is_in_the_manual_page_and_the_reverse);
	tcase_add_test(tc, test_every_key_is_in_the_sample_configuration_and_the_reverse);
	tcase_add_test(tc, test_every_admin_route_is_in_the_openapi_document_and_the_reverse);
	suite_add_tcase(s, tc);
	return s;
}
