/*
 * test_public_pages.c — what the customer's browser gets from a real daemon:
 * the support contact on every page that is not a success, the installation
 * named by its Zaptec name, and the public routes answering with and without
 * the path prefix of public_url.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

Suite *public_pages_suite(void);

#define GUID "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
#define SUPPORT "support_url = https://help.acme.example/zaptec?src=link&x=1\n" \
		"support_email = kundeservice@acme.example\n"

static void get_public(struct test_response *r, const char *path)
{
	test_http(r, "GET", test_public_url(path), NULL, NULL, 0);
}

static void start_with_support(void)
{
	test_server_start(SUPPORT);
}

static void assert_support(const struct test_response *r)
{
	ck_assert_msg(strstr(r->body, "<a class=\"support\" href=\"https://help.acme.example/zaptec?src=link&amp;x=1\" "
				      "rel=\"noreferrer\">") != NULL, "no support link: %s", r->body);
	ck_assert_ptr_nonnull(strstr(r->body, "<a class=\"support\" href=\"mailto:kundeservice@acme.example\">"
					      "kundeservice@acme.example</a>"));
}

START_TEST(test_every_page_that_is_not_a_success_carries_the_support_contact)
{
	char id[37], token[64], path[256];
	struct test_response r;

	get_public(&r, "/connect/AAAAAAAAAAAAAAAAAAAAAA");
	ck_assert_int_eq(r.status, 404);
	assert_support(&r);
	ck_assert_ptr_nonnull(strstr(r.body, "Need help? Contact Acme Energy:"));
	test_response_free(&r);

	snprintf(token, sizeof token, "%s", test_create_request("{\"lang\":\"sv-SE\"}", id));
	snprintf(path, sizeof path, "/access-result/%s?success=maybe", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 400);
	assert_support(&r);
	ck_assert_ptr_nonnull(strstr(r.body, "Behöver du hjälp? Kontakta Acme Energy:"));
	test_response_free(&r);

	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=" GUID, token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "help.acme.example"));
	ck_assert_ptr_null(strstr(r.body, "class=\"help\""));
	test_response_free(&r);

	/* A different answer afterwards: the conflict page helps again. */
	snprintf(path, sizeof path, "/access-result/%s?success=false", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 409);
	assert_support(&r);
	test_response_free(&r);
}
END_TEST

/* After verification read the installation's name, the page names it so. */
START_TEST(test_a_granted_link_names_the_installation_by_its_zaptec_name)
{
	char id[37], token[64], path[256];
	struct test_response r;

	snprintf(token, sizeof token, "%s", test_create_request("{\"reference\":\"crm-77\"}", id));
	snprintf(path, sizeof path, "/access-result/%s?success=true&installationId=" GUID, token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "<dd class=\"id\">" GUID "</dd>"));
	test_response_free(&r);

	test_db_exec("UPDATE installations SET name = 'Carport <Øst>' WHERE installation_id = '" GUID "'");
	snprintf(path, sizeof path, "/connect/%s", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "<dt>Installation</dt><dd>Carport &lt;Øst&gt;</dd>"));
	ck_assert_ptr_null(strstr(r.body, GUID));
	ck_assert_ptr_null(strstr(r.body, "crm-77"));
	test_response_free(&r);
}
END_TEST

/* public_url is https://partner.example/base/ in the tests: links carry
 * /base, and a proxy may pass it on or strip it. */
START_TEST(test_public_routes_answer_with_and_without_the_prefix)
{
	char id[37], token[64], path[256], location[2048];
	struct test_response r;

	snprintf(token, sizeof token, "%s", test_create_request("{}", id));
	snprintf(path, sizeof path, "/connect/%s", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 303);
	snprintf(location, sizeof location, "%s", test_header(&r, "Location"));
	ck_assert_ptr_nonnull(strstr(location, "&returnUrl=https%3A%2F%2Fpartner.example%2Fbase%2Faccess-result%2F"));
	test_response_free(&r);

	snprintf(path, sizeof path, "/base/connect/%s", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 303);
	ck_assert_str_eq(test_header(&r, "Location"), location);
	test_response_free(&r);

	snprintf(path, sizeof path, "/base/access-result/%s?success=false", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);
	ck_assert_int_eq(test_db_int("SELECT count(*) FROM events WHERE type = 'callback.denied'"), 1);

	get_public(&r, "/base/healthz");
	ck_assert_int_eq(r.status, 200);
	test_response_free(&r);

	snprintf(path, sizeof path, "/based/connect/%s", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
	get_public(&r, "/base");
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);

	/* Only the public listener knows the prefix. */
	test_http(&r, "GET", test_admin_url("/base/api/v1/access-requests"), NULL, NULL, 1);
	ck_assert_int_eq(r.status, 404);
	test_response_free(&r);
}
END_TEST

static void start_with_route_named_prefix(void)
{
	test_server_start("public_url = https://partner.example/connect\n");
}

/* A prefix that is itself a route's name must not eat a link's first segment. */
START_TEST(test_a_prefix_named_like_a_route_keeps_both_forms_working)
{
	char id[37], token[64], path[256];
	struct test_response r;

	snprintf(token, sizeof token, "%s", test_create_request("{}", id));
	snprintf(path, sizeof path, "/connect/connect/%s", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);
	snprintf(path, sizeof path, "/connect/%s", token);
	get_public(&r, path);
	ck_assert_int_eq(r.status, 303);
	test_response_free(&r);
}
END_TEST

Suite *public_pages_suite(void)
{
	Suite *s = suite_create("public_pages");
	TCase *tc = tcase_create("support");
	tcase_add_checked_fixture(tc, start_with_support, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_every_page_that_is_not_a_success_carries_the_support_contact);
	tcase_add_test(tc, test_a_granted_link_names_the_installation_by_its_zaptec_name);
	tcase_add_test(tc, test_public_routes_answer_with_and_without_the_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("prefix");
	tcase_add_checked_fixture(tc, start_with_route_named_prefix, test_server_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_a_prefix_named_like_a_route_keeps_both_forms_working);
	suite_add_tcase(s, tc);
	return s;
}
