/*
 * test_webhook.c — webhooks without a receiver: the signature of the README's
 * worked example (read from README.md, so the text cannot drift from the
 * code), secrets, the URL and body checks, the configuration keys, and the
 * endpoints API's answers to bad input with the whole daemon in-process.
 * Deliveries themselves are tested end to end by tests/webhooks.
 */
#include <check.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"
#include "validate.h"
#include "webhook.h"
#include "webhook_sign.h"

Suite *webhook_suite(void);

#define README "README.md"

/* The value of the README's example line "    <name>: <value>" (static). */
static const char *readme_value(const char *name)
{
	static char value[2048];
	char line[4096], prefix[64];
	FILE *f = fopen(README, "r");

	ck_assert_ptr_nonnull(f);
	snprintf(prefix, sizeof prefix, "    %s: ", name);
	value[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			const char *v = line + strlen(prefix);
			while (*v == ' ')
				v++;
			snprintf(value, sizeof value, "%s", v);
			value[strcspn(value, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
	ck_assert_msg(value[0] != '\0', "README.md has no example line for %s", name);
	return value;
}

START_TEST(test_signature_of_the_readme_example)
{
	char secret[128], id[64], body[2048], sig[WEBHOOK_SIGNATURE_LEN + 1];
	snprintf(secret, sizeof secret, "%s", readme_value("secret"));
	snprintf(id, sizeof id, "%s", readme_value("webhook-id"));
	int64_t stamp = strtoll(readme_value("webhook-timestamp"), NULL, 10);
	snprintf(body, sizeof body, "%s", readme_value("body"));
	ck_assert_int_eq(webhook_sign(secret, id, stamp, body, strlen(body), sig), 0);
	ck_assert_str_eq(sig, readme_value("webhook-signature"));
	/* The signature covers each of its parts. */
	char other[WEBHOOK_SIGNATURE_LEN + 1];
	ck_assert_int_eq(webhook_sign(secret, id, stamp + 1, body, strlen(body), other), 0);
	ck_assert_str_ne(sig, other);
	ck_assert_int_eq(webhook_sign(secret, "evt_43", stamp, body, strlen(body), other), 0);
	ck_assert_str_ne(sig, other);
	ck_assert_int_eq(webhook_sign(secret, id, stamp, body, strlen(body) - 1, other), 0);
	ck_assert_str_ne(sig, other);
	ck_assert_int_eq(webhook_sign("whsec_not base64!", id, stamp, body, strlen(body), other), -1);
}
END_TEST

START_TEST(test_secrets_are_32_random_bytes_in_whsec_form)
{
	char a[WEBHOOK_SECRET_LEN + 1], b[WEBHOOK_SECRET_LEN + 1];
	unsigned char key[64];
	size_t len = 0;

	ck_assert_int_eq(sodium_init() >= 0, 1);
	webhook_secret_new(a);
	webhook_secret_new(b);
	ck_assert_uint_eq(strlen(a), WEBHOOK_SECRET_LEN);
	ck_assert_int_eq(strncmp(a, "whsec_", 6), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(sodium_base642bin(key, sizeof key, a + 6, strlen(a + 6), NULL, &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	ck_assert_uint_eq(len, 32);
}
END_TEST

START_TEST(test_webhook_urls)
{
	static const char *const good[] = {
		"https://backend.example.com/hooks", "https://backend.example.com:8443/h?x=1",
		"http://127.0.0.1:9000/hook", "http://localhost/hook", "http://[::1]:80/", NULL,
	};
	static const char *const bad[] = {
		"", "ftp://example.com/", "//example.com/", "https://user:pw@example.com/",
		"https://example.com/#frag", "https://exa mple.com/", "https://example.com/\\x",
		"http://example.com/", "http://10.0.0.1/", "https:///nohost", "javascript:alert(1)",
		"https://example.com:99999/", NULL,
	};
	const char *why;
	char longest[2100];

	for (int i = 0; good[i]; i++)
		ck_assert_msg(validate_webhook_url(good[i], 0, &why) == 0, "%s refused: %s", good[i], why);
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(validate_webhook_url(bad[i], 0, &why) != 0, "%s accepted", bad[i]);
	ck_assert_int_eq(validate_webhook_url("http://example.com/", 1, &why), 0);
	ck_assert_int_ne(validate_webhook_url("https://u@example.com/", 1, &why), 0);
	memset(longest, 'a', sizeof longest);
	memcpy(longest, "https://example.com/", 20);
	longest[2048] = '\0';
	ck_assert_int_eq(validate_webhook_url(longest, 0, &why), 0);
	longest[2048] = 'a';
	longest[2049] = '\0';
	ck_assert_int_ne(validate_webhook_url(longest, 0, &why), 0);
	ck_assert_str_eq(why, "is longer than 2048 characters");
}
END_TEST

/* Reads text as a body and returns the first field named in the errors
 * (static), or "" when it is valid. */
static const char *first_error(const char *text, int create)
{
	static char field[64];
	struct webhook_input in;
	json_t *body = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	json_t *errors = json_array();

	ck_assert_ptr_nonnull(body);
	int rc = webhook_input_read(body, create, 0, &in, errors);
	ck_assert_int_eq(rc == 0, json_array_size(errors) == 0);
	snprintf(field, sizeof field, "%s",
		 rc == 0 ? "" : json_string_value(json_object_get(json_array_get(errors, 0), "field")));
	webhook_input_clear(&in);
	json_decref(errors);
	json_decref(body);
	return field;
}

START_TEST(test_bodies_name_the_bad_field)
{
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\"}", 1), "");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"types\":[\"callback.granted\"],"
				     "\"description\":\"x\"}", 1), "");
	ck_assert_str_eq(first_error("{}", 1), "url");
	ck_assert_str_eq(first_error("{\"url\":null}", 1), "url");
	ck_assert_str_eq(first_error("{\"url\":1}", 1), "url");
	ck_assert_str_eq(first_error("{\"url\":\"http://a.example/\"}", 1), "url");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"evil\":1}", 1), "evil");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"enabled\":true}", 1), "enabled");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"types\":[\"nope\"]}", 1), "types");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"types\":[]}", 1), "types");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"types\":\"callback.granted\"}", 1), "types");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"types\":[\"webhook.test\"]}", 1), "types");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"types\":[\"request.created\","
				     "\"request.created\"]}", 1), "types");
	ck_assert_str_eq(first_error("{\"url\":\"https://a.example/\",\"description\":7}", 1), "description");
	/* A patch: every field optional; enabled must be a boolean. */
	ck_assert_str_eq(first_error("{}", 0), "");
	ck_assert_str_eq(first_error("{\"enabled\":false,\"types\":null,\"description\":null}", 0), "");
	ck_assert_str_eq(first_error("{\"enabled\":\"yes\"}", 0), "enabled");
	ck_assert_str_eq(first_error("{\"url\":null}", 0), "url");
	ck_assert_str_eq(first_error("{\"secret\":\"whsec_x\"}", 0), "secret");
}
END_TEST

START_TEST(test_description_of_200_characters_and_not_201)
{
	char text[512];
	char d[202];
	memset(d, 'd', 200);
	d[200] = '\0';
	snprintf(text, sizeof text, "{\"url\":\"https://a.example/\",\"description\":\"%s\"}", d);
	ck_assert_str_eq(first_error(text, 1), "");
	strcat(d, "d");
	snprintf(text, sizeof text, "{\"url\":\"https://a.example/\",\"description\":\"%s\"}", d);
	ck_assert_str_eq(first_error(text, 1), "description");
}
END_TEST

#define REQUIRED "lookup_key = K\npublic_url = https://p.example\npartner_name = P\n"

START_TEST(test_config_keys_and_defaults)
{
	struct config cfg;
	char err[512];
	const char *text = REQUIRED;

	ck_assert_int_eq(config_parse(&cfg, "t.conf", text, strlen(text), 0, err, sizeof err), 0);
	ck_assert_int_eq(cfg.webhook_allow_http, 0);
	ck_assert_int_eq(cfg.webhook_disable_after, 5 * 86400);
	static const int64_t schedule[] = { 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400 };
	ck_assert_uint_eq(cfg.webhook_retry_count, 9);
	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(cfg.webhook_retry_schedule[i], schedule[i]);
	config_free(&cfg);

	text = REQUIRED "webhook_allow_http = true\nwebhook_disable_after = 2s\nwebhook_retry_schedule = 1s  2s\n";
	ck_assert_int_eq(config_parse(&cfg, "t.conf", text, strlen(text), 0, err, sizeof err), 0);
	ck_assert_int_eq(cfg.webhook_allow_http, 1);
	ck_assert_int_eq(cfg.webhook_disable_after, 2);
	ck_assert_uint_eq(cfg.webhook_retry_count, 2);
	ck_assert_int_eq(cfg.webhook_retry_schedule[1], 2);
	config_free(&cfg);

	static const struct { const char *line, *message; } bad[] = {
		{ "webhook_allow_http = yes\n", "t.conf:4: webhook_allow_http: expected true or false, got yes" },
		{ "webhook_retry_schedule = 5s soon\n",
		  "t.conf:4: webhook_retry_schedule: not a duration (a number with s, m, h or d): soon" },
		{ "webhook_retry_schedule = 0s\n", "t.conf:4: webhook_retry_schedule: 0s is out of range (1s .. 604800s)" },
		{ "webhook_disable_after = 0\n", "t.conf:4: webhook_disable_after: 0 is out of range (1s .. 31536000s)" },
		{ "webhook_retry_schedule =\n", "t.conf:4: webhook_retry_schedule needs a value" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char full[256];
		snprintf(full, sizeof full, REQUIRED "%s", bad[i].line);
		ck_assert_int_eq(config_parse(&cfg, "t.conf", full, strlen(full), 0, err, sizeof err), -1);
		ck_assert_str_eq(err, bad[i].message);
		config_free(&cfg);
	}
}
END_TEST

/* The first error's field of a 400 answer (static). */
static const char *answer_field(struct test_response *r)
{
	static char field[64];
	json_t *j = test_json(r);
	ck_assert_int_eq(r->status, 400);
	snprintf(field, sizeof field, "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "field")));
	json_decref(j);
	return field;
}

START_TEST(test_api_refuses_bad_input_and_stores_nothing)
{
	struct test_response r;
	static const struct { const char *body, *field; } cases[] = {
		{ "{\"url\":\"http://backend.example/\"}", "url" },
		{ "{\"url\":\"https://u:p@backend.example/\"}", "url" },
		{ "{\"url\":\"https://backend.example/#f\"}", "url" },
		{ "{\"url\":\"https://backend.example/\",\"types\":[\"callback.nope\"]}", "types" },
		{ "{\"url\":\"https://backend.example/\",\"id\":\"x\"}", "id" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		test_admin_post(&r, "/api/v1/webhook-endpoints", cases[i].body);
		ck_assert_str_eq(answer_field(&r), cases[i].field);
		ck_assert_str_eq(test_header(&r, "Content-Type"), "application/problem+json");
		test_response_free(&r);
	}
	test_admin_post(&r, "/api/v1/webhook-endpoints", "{\"url\":\"https://a.example/\",\"url\":\"https://b.example/\"}");
	ck_assert_int_eq(r.status, 400);
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM webhook_endpoints"), 0);

	test_admin_post(&r, "/api/v1/webhook-endpoints", "{\"url\":\"https://backend.example/hook\"}");
	ck_assert_int_eq(r.status, 201);
	json_t *j = test_json(&r);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/webhook-endpoints/%s", json_string_value(json_object_get(j, "id")));
	ck_assert_str_eq(test_header(&r, "Location"), path);
	ck_assert_str_eq(test_db_text("SELECT secret FROM webhook_endpoints"),
			 json_string_value(json_object_get(j, "secret")));
	json_decref(j);
	test_response_free(&r);

	static const char *const headers[] = { "Content-Type: application/json", NULL };
	test_http(&r, "PATCH", test_admin_url(path), headers, "{\"enabled\":1}", 1);
	ck_assert_str_eq(answer_field(&r), "enabled");
	test_response_free(&r);
	test_http(&r, "PATCH", test_admin_url(path), headers, "{\"url\":\"https://backend.example/new\"}", 1);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_str_eq(test_db_text("SELECT url FROM webhook_endpoints"), "https://backend.example/new");
	strcat(path, "/replay");
	test_admin_post(&r, path, "{\"after\":-1}");
	ck_assert_str_eq(answer_field(&r), "after");
	test_response_free(&r);
	test_admin_post(&r, path, "{\"after\":0,\"from\":1}");
	ck_assert_str_eq(answer_field(&r), "from");
	test_response_free(&r);
}
END_TEST

START_TEST(test_api_allows_http_with_webhook_allow_http)
{
	struct test_response r;
	test_server_start("webhook_allow_http = true\n");
	test_admin_post(&r, "/api/v1/webhook-endpoints", "{\"url\":\"http://backend.example/hook\"}");
	ck_assert_int_eq(r.status, 201);
	test_response_free(&r);
}
END_TEST

Suite *webhook_suite(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_signature_of_the_readme_example);
	tcase_add_test(tc, test_secrets_are_32_random_bytes_in_whsec_form);
	tcase_add_test(tc, test_webhook_urls);
	tcase_add_test(tc, test_bodies_name_the_bad_field);
	tcase_add_test(tc, test_description_of_200_characters_and_not_201);
	tcase_add_test(tc, test_config_keys_and_defaults);
	suite_add_tcase(s, tc);
	/* The webhook store is the SQLite engine's only, for now. */
	if (test_on_postgresql())
		return s;

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, test_server_setup, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_api_refuses_bad_input_and_stores_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("api-allow-http");
	tcase_add_checked_fixture(tc, NULL, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_api_allows_http_with_webhook_allow_http);
	suite_add_tcase(s, tc);
	return s;
}
