/*
 * test_portal.c — the portal link builder, byte for byte. Every expected URL is
 * written out by hand from the contract, so a change in parameter order, in
 * escaping or in slash handling shows up as a failed comparison.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define TOKEN "Zx9_-aBcDeFgHiJkLmNoPq"
#define GUID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define ZAPTEC "https://portal.zaptec.com"
#define PARTNER "https://partner.example"
#define RETURN_ENCODED "https%3A%2F%2Fpartner.example%2Faccess-result%2F" TOKEN

struct link_case {
	const char *name;
	struct portal_link link;
	const char *expected;
};

static const struct link_case link_cases[] = {
	{ "plain go link",
	  { ZAPTEC, "BSJG", "Integration", "en", NULL, PORTAL_TYPE_GO, PARTNER, TOKEN, 0 },
	  ZAPTEC "/access/request/BSJG?partnerName=Integration&lang=en&installationtype=1"
		 "&returnUrl=" RETURN_ENCODED },
	{ "non-ASCII partner, ampersand, Norwegian with region sent as no, showExisting",
	  { ZAPTEC, "BSJG", "Strøm & Co", "nb-NO", NULL, PORTAL_TYPE_GO, PARTNER, TOKEN, 1 },
	  ZAPTEC "/access/request/BSJG?partnerName=Str%C3%B8m%20%26%20Co&lang=no"
		 "&installationtype=1&returnUrl=" RETURN_ENCODED "&showExisting=true" },
	{ "capital AE, script tag cut to its primary subtag, go with installation",
	  { ZAPTEC, "BSJG", "Ærlig Energi AS", "zh-Hant-TW", GUID, PORTAL_TYPE_GO, PARTNER, TOKEN, 0 },
	  ZAPTEC "/access/request/BSJG?partnerName=%C3%86rlig%20Energi%20AS&lang=zh"
		 "&installationId=" GUID "&installationtype=1&returnUrl=" RETURN_ENCODED },
	{ "query syntax in partner, numeric region dropped, pro with showExisting",
	  { ZAPTEC, "BSJG", "a+b=c?d#e", "es-419", GUID, PORTAL_TYPE_PRO, PARTNER, TOKEN, 1 },
	  ZAPTEC "/access/request/BSJG?partnerName=a%2Bb%3Dc%3Fd%23e&lang=es"
		 "&installationId=" GUID "&installationtype=0&returnUrl=" RETURN_ENCODED
		 "&showExisting=true" },
	{ "percent sign in partner, pro",
	  { ZAPTEC, "BSJG", "100% grønn", "en", GUID, PORTAL_TYPE_PRO, PARTNER, TOKEN, 0 },
	  ZAPTEC "/access/request/BSJG?partnerName=100%25%20gr%C3%B8nn&lang=en"
		 "&installationId=" GUID "&installationtype=0&returnUrl=" RETURN_ENCODED },
	{ "four-byte emoji in partner, slash in lookup key",
	  { ZAPTEC, "AB/CD", "Lade 🔌", "en", NULL, PORTAL_TYPE_GO, PARTNER, TOKEN, 0 },
	  ZAPTEC "/access/request/AB%2FCD?partnerName=Lade%20%F0%9F%94%8C&lang=en"
		 "&installationtype=1&returnUrl=" RETURN_ENCODED },
	{ "trailing slashes on both bases are not doubled",
	  { ZAPTEC "/", "BSJG", "Integration", "en", NULL, PORTAL_TYPE_GO,
	    PARTNER "/zaptec/", TOKEN, 0 },
	  ZAPTEC "/access/request/BSJG?partnerName=Integration&lang=en&installationtype=1"
		 "&returnUrl=https%3A%2F%2Fpartner.example%2Fzaptec%2Faccess-result%2F" TOKEN },
	{ "stand-in portal and public base with ports",
	  { "http://127.0.0.1:9000/", "BSJG", "Integration", "en", NULL, PORTAL_TYPE_GO,
	    "http://127.0.0.1:8080", TOKEN, 0 },
	  "http://127.0.0.1:9000/access/request/BSJG?partnerName=Integration&lang=en"
	  "&installationtype=1&returnUrl=http%3A%2F%2F127.0.0.1%3A8080%2Faccess-result%2F" TOKEN },
	{ "empty installation id on a go link counts as none",
	  { ZAPTEC, "BSJG", "Integration", "en", "", PORTAL_TYPE_GO, PARTNER, TOKEN, 0 },
	  ZAPTEC "/access/request/BSJG?partnerName=Integration&lang=en&installationtype=1"
		 "&returnUrl=" RETURN_ENCODED },
};

START_TEST(test_link_is_built_byte_for_byte)
{
	const struct link_case *c = &link_cases[_i];
	char *url = portal_build_url(&c->link);

	ck_assert_msg(url != NULL, "%s: no URL", c->name);
	ck_assert_msg(strcmp(url, c->expected) == 0, "%s:\n got  %s\n want %s", c->name, url,
		      c->expected);
	free(url);
}
END_TEST

struct reject_case {
	const char *name;
	struct portal_link link;
};

static const struct reject_case reject_cases[] = {
	{ "pro without installation id",
	  { ZAPTEC, "BSJG", "Integration", "en", NULL, PORTAL_TYPE_PRO, PARTNER, TOKEN, 0 } },
	{ "pro with an empty installation id",
	  { ZAPTEC, "BSJG", "Integration", "en", "", PORTAL_TYPE_PRO, PARTNER, TOKEN, 0 } },
	{ "missing portal url",
	  { NULL, "BSJG", "Integration", "en", NULL, PORTAL_TYPE_GO, PARTNER, TOKEN, 0 } },
	{ "missing lookup key",
	  { ZAPTEC, NULL, "Integration", "en", NULL, PORTAL_TYPE_GO, PARTNER, TOKEN, 0 } },
	{ "missing partner name",
	  { ZAPTEC, "BSJG", NULL, "en", NULL, PORTAL_TYPE_GO, PARTNER, TOKEN, 0 } },
	{ "missing lang",
	  { ZAPTEC, "BSJG", "Integration", NULL, NULL, PORTAL_TYPE_GO, PARTNER, TOKEN, 0 } },
	{ "missing public url",
	  { ZAPTEC, "BSJG", "Integration", "en", NULL, PORTAL_TYPE_GO, NULL, TOKEN, 0 } },
	{ "missing token",
	  { ZAPTEC, "BSJG", "Integration", "en", NULL, PORTAL_TYPE_GO, PARTNER, NULL, 0 } },
	{ "installation type outside the enum",
	  { ZAPTEC, "BSJG", "Integration", "en", GUID, (enum portal_type)7, PARTNER, TOKEN, 0 } },
};

START_TEST(test_invalid_link_is_rejected)
{
	const struct reject_case *c = &reject_cases[_i];
	char *url = portal_build_url(&c->link);

	ck_assert_msg(url == NULL, "%s: got %s", c->name, url);
}
END_TEST

START_TEST(test_pro_without_installation_id_is_rejected)
{
	struct portal_link link = { ZAPTEC, "BSJG", "Integration", "en", NULL,
				    PORTAL_TYPE_PRO, PARTNER, TOKEN, 0 };

	ck_assert_ptr_null(portal_build_url(&link));
	link.installation_id = GUID;
	char *url = portal_build_url(&link);
	ck_assert_ptr_nonnull(url);
	ck_assert_ptr_nonnull(strstr(url, "&installationId=" GUID "&installationtype=0&"));
	free(url);
}
END_TEST

START_TEST(test_null_link_is_rejected)
{
	ck_assert_ptr_null(portal_build_url(NULL));
}
END_TEST

struct encode_case {
	const char *in;
	size_t len;
	const char *expected;
};

static const struct encode_case encode_cases[] = {
	{ "AZaz09-._~", 10, "AZaz09-._~" },
	{ "", 0, "" },
	{ " ", 1, "%20" },
	{ "!*'();:@&=+$,/?#[]", 18, "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D" },
	{ "\"%<>\\^`{|}", 10, "%22%25%3C%3E%5C%5E%60%7B%7C%7D" },
	{ "a\0b", 3, "a%00b" },
	{ "\x7f\x80\xff", 3, "%7F%80%FF" },
	{ "ø", 2, "%C3%B8" },
	{ "æøå ÆØÅ", 13, "%C3%A6%C3%B8%C3%A5%20%C3%86%C3%98%C3%85" },
};

START_TEST(test_percent_encoding_keeps_only_unreserved_bytes)
{
	const struct encode_case *c = &encode_cases[_i];
	char out[128];
	size_t n = portal_percent_encode(out, sizeof out, c->in, c->len);

	ck_assert_uint_eq(n, strlen(c->expected));
	ck_assert_str_eq(out, c->expected);
}
END_TEST

/* "ø b" needs 10 bytes: %C3 %B8 %20 b. Like snprintf, every call returns 10; the
 * output holds only the escapes that fit whole, and always a NUL. */
START_TEST(test_percent_encoding_on_a_short_buffer_returns_the_needed_length)
{
	static const struct {
		size_t cap;
		const char *written;
	} cases[] = {
		{ 1, "" }, { 3, "" }, { 4, "%C3" }, { 6, "%C3" }, { 7, "%C3%B8" },
		{ 10, "%C3%B8%20" }, { 11, "%C3%B8%20b" },
	};
	const char *in = "ø b";
	char out[16];

	ck_assert_uint_eq(portal_percent_encode(NULL, 0, in, strlen(in)), 10);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(out, 'X', sizeof out);
		ck_assert_uint_eq(portal_percent_encode(out, cases[i].cap, in, strlen(in)), 10);
		ck_assert_msg(strcmp(out, cases[i].written) == 0, "cap %zu: got \"%s\", want \"%s\"",
			      cases[i].cap, out, cases[i].written);
		ck_assert_msg(out[cases[i].cap] == 'X', "cap %zu: wrote past the end", cases[i].cap);
	}
}
END_TEST

/* Zaptec's portal takes the primary subtag in lower case, and "no" for
 * Norwegian in every spelling (Zaptec's own example link uses lang=no). */
START_TEST(test_portal_lang_code_is_the_primary_subtag_and_no_for_norwegian)
{
	static const struct {
		const char *lang;
		const char *code;
	} cases[] = {
		{ "nb", "no" }, { "nn", "no" }, { "no", "no" }, { "nb-NO", "no" }, { "nn-NO", "no" },
		{ "NB-no", "no" }, { "No", "no" }, { "en", "en" }, { "EN-GB", "en" }, { "sv-SE", "sv" },
		{ "de-CH", "de" }, { "fi", "fi" }, { "zh-Hant-TW", "zh" }, { "es-419", "es" }, { "FIL", "fil" },
		{ "nbx", "nbx" }, { "nob", "nob" },
	};
	char out[16];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		portal_lang_code(cases[i].lang, out, sizeof out);
		ck_assert_msg(strcmp(out, cases[i].code) == 0, "%s: got %s, want %s", cases[i].lang, out,
			      cases[i].code);
	}
}
END_TEST

/* Every page language in its regional form reaches the portal as Zaptec's code. */
START_TEST(test_link_sends_zaptecs_language_code)
{
	static const struct {
		const char *lang;
		const char *param;
	} cases[] = {
		{ "nb-NO", "&lang=no&" }, { "nn", "&lang=no&" }, { "sv-SE", "&lang=sv&" },
		{ "da-DK", "&lang=da&" }, { "DE", "&lang=de&" }, { "nl-BE", "&lang=nl&" },
		{ "fr-CA", "&lang=fr&" }, { "fi-FI", "&lang=fi&" }, { "en-GB", "&lang=en&" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct portal_link link = { ZAPTEC, "BSJG", "P", cases[i].lang, NULL, PORTAL_TYPE_GO,
					    PARTNER, TOKEN, 0 };
		char *url = portal_build_url(&link);
		ck_assert_ptr_nonnull(url);
		ck_assert_msg(strstr(url, cases[i].param) != NULL, "%s: %s", cases[i].lang, url);
		free(url);
	}
}
END_TEST

START_TEST(test_base_path_is_the_prefix_of_public_url)
{
	static const struct {
		const char *base;
		const char *path;
	} cases[] = {
		{ "https://partner.example", "" },
		{ "https://partner.example/", "" },
		{ "https://partner.example/zaptec", "/zaptec" },
		{ "https://partner.example:8443/a/b//", "/a/b" },
		{ "http://127.0.0.1:8080", "" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n;
		const char *p = portal_base_path(cases[i].base, &n);
		ck_assert_uint_eq(n, strlen(cases[i].path));
		ck_assert_int_eq(strncmp(p, cases[i].path, n), 0);
	}
}
END_TEST

START_TEST(test_connect_and_return_urls_join_base_and_token)
{
	static const struct {
		const char *base;
		const char *connect;
		const char *result;
	} cases[] = {
		{ PARTNER, PARTNER "/connect/" TOKEN, PARTNER "/access-result/" TOKEN },
		{ PARTNER "/", PARTNER "/connect/" TOKEN, PARTNER "/access-result/" TOKEN },
		{ PARTNER "/zaptec", PARTNER "/zaptec/connect/" TOKEN, PARTNER "/zaptec/access-result/" TOKEN },
		{ "http://127.0.0.1:8080/", "http://127.0.0.1:8080/connect/" TOKEN,
		  "http://127.0.0.1:8080/access-result/" TOKEN },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *connect = portal_connect_url(cases[i].base, TOKEN);
		char *result = portal_return_url(cases[i].base, TOKEN);

		ck_assert_ptr_nonnull(connect);
		ck_assert_ptr_nonnull(result);
		ck_assert_str_eq(connect, cases[i].connect);
		ck_assert_str_eq(result, cases[i].result);
		free(connect);
		free(result);
	}
}
END_TEST

START_TEST(test_connect_and_return_urls_need_base_and_token)
{
	ck_assert_ptr_null(portal_connect_url(NULL, TOKEN));
	ck_assert_ptr_null(portal_connect_url(PARTNER, NULL));
	ck_assert_ptr_null(portal_return_url(NULL, TOKEN));
	ck_assert_ptr_null(portal_return_url(PARTNER, NULL));
}
END_TEST

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *portal_suite(void);

Suite *portal_suite(void)
{
	Suite *s = suite_create("portal");
	TCase *tc = tcase_create("portal");

	tcase_add_loop_test(tc, test_link_is_built_byte_for_byte, 0, COUNT(link_cases));
	tcase_add_loop_test(tc, test_invalid_link_is_rejected, 0, COUNT(reject_cases));
	tcase_add_test(tc, test_pro_without_installation_id_is_rejected);
	tcase_add_test(tc, test_null_link_is_rejected);
	tcase_add_loop_test(tc, test_percent_encoding_keeps_only_unreserved_bytes, 0,
			    COUNT(encode_cases));
	tcase_add_test(tc, test_percent_encoding_on_a_short_buffer_returns_the_needed_length);
	tcase_add_test(tc, test_connect_and_return_urls_join_base_and_token);
	tcase_add_test(tc, test_portal_lang_code_is_the_primary_subtag_and_no_for_norwegian);
	tcase_add_test(tc, test_link_sends_zaptecs_language_code);
	tcase_add_test(tc, test_base_path_is_the_prefix_of_public_url);
	tcase_add_test(tc, test_connect_and_return_urls_need_base_and_token);
	suite_add_tcase(s, tc);
	return s;
}
