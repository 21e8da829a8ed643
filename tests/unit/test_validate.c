/*
 * test_validate.c — every input rule, with values it must take and values it must
 * refuse, and the sentence a client is shown when it refuses.
 */
#include <check.h>
#include <string.h>

#include "validate.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- GUIDs ---- */

struct guid_case {
	const char *in;
	const char *out; /* NULL: must be rejected */
};

static const struct guid_case guid_cases[] = {
	{ "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
	{ "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
	{ "0f1E2d3C-4b5A-6978-8796-A5b4c3d2E1f0", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
	{ "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000" },
	{ "{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}", NULL },
	{ "0f1e2d3c4b5a69788796a5b4c3d2e1f0", NULL },
	{ "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f", NULL },
	{ "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00", NULL },
	{ "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg", NULL },
	{ "0f1e2d3c4-b5a-6978-8796-a5b4c3d2e1f0", NULL },
	{ "0f1e2d3c-4b5a-6978-8796_a5b4c3d2e1f0", NULL },
	{ " 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f", NULL },
	{ "urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", NULL },
	{ "", NULL },
	{ NULL, NULL },
};

START_TEST(test_guid_is_normalised_or_rejected)
{
	const struct guid_case *c = &guid_cases[_i];
	char out[VALIDATE_GUID_LEN + 1] = "";
	const char *why = NULL;
	int rc = validate_guid(c->in, out, &why);

	if (c->out != NULL) {
		ck_assert_msg(rc == 0, "\"%s\" was rejected: %s", c->in, why);
		ck_assert_str_eq(out, c->out);
	} else {
		ck_assert_msg(rc == -1, "\"%s\" was accepted", c->in ? c->in : "(null)");
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_nonnull(strstr(why, "GUID"));
	}
}
END_TEST

/* ---- language tags ---- */

struct lang_case {
	const char *in;
	int ok;
};

static const struct lang_case lang_cases[] = {
	{ "en", 1 },
	{ "nb-NO", 1 },
	{ "zh-Hant-TW", 1 },
	{ "es-419", 1 },
	{ "EN-gb", 1 },
	{ "nob", 1 },
	{ "de-CH-1996", 1 },
	{ "en-a-bbb", 1 },
	{ "en-abcdefgh-abcdefgh-abcdefgh-abcde", 1 },   /* 35 characters */
	{ "en-abcdefgh-abcdefgh-abcdefgh-abcdef", 0 },  /* 36 characters */
	{ "", 0 },
	{ NULL, 0 },
	{ "e", 0 },
	{ "engl", 0 },
	{ "e1", 0 },
	{ "419", 0 },
	{ "en-", 0 },
	{ "-en", 0 },
	{ "en--GB", 0 },
	{ "en_GB", 0 },
	{ "en GB", 0 },
	{ "en-abcdefghi", 0 },
	{ "nb-N\xc3\x98", 0 },
	{ "en\n", 0 },
	{ "en;q=0.8", 0 },
};

START_TEST(test_lang_tag_shape_is_checked)
{
	const struct lang_case *c = &lang_cases[_i];
	const char *why = NULL;
	int rc = validate_lang(c->in, &why);

	if (c->ok) {
		ck_assert_msg(rc == 0, "\"%s\" was rejected: %s", c->in, why);
	} else {
		ck_assert_msg(rc == -1, "\"%s\" was accepted", c->in ? c->in : "(null)");
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_nonnull(strstr(why, "language tag"));
	}
}
END_TEST

/* ---- text fields ---- */

struct text_case {
	const char *name;
	const char *in;
	size_t len;
	size_t max;
	int allow_empty;
	const char *why; /* NULL: must be accepted; else a word of the refusal */
};

static char oe200[401], oe201[403], a200[201], a201[202];

static const struct text_case text_cases[] = {
	{ "plain text", "Strøm & Co", 11, 100, 0, NULL },
	{ "empty where allowed", "", 0, 100, 1, NULL },
	{ "empty where not allowed", "", 0, 100, 0, "empty" },
	{ "200 ASCII at the 200 limit", a200, 200, 200, 0, NULL },
	{ "201 ASCII over the 200 limit", a201, 201, 200, 0, "too long" },
	{ "200 two-byte characters at the 200 limit", oe200, 400, 200, 0, NULL },
	{ "201 two-byte characters over the 200 limit", oe201, 402, 200, 0, "too long" },
	{ "a four-byte emoji counts once", "\xf0\x9f\x94\x8c", 4, 1, 0, NULL },
	{ "no-break space is not a control", "a\xc2\xa0" "b", 4, 10, 0, NULL },
	{ "U+D7FF below the surrogates", "\xed\x9f\xbf", 3, 10, 0, NULL },
	{ "U+E000 above the surrogates", "\xee\x80\x80", 3, 10, 0, NULL },
	{ "U+FFFD", "\xef\xbf\xbd", 3, 10, 0, NULL },
	{ "U+10FFFF, the last code point", "\xf4\x8f\xbf\xbf", 4, 10, 0, NULL },
	{ "overlong '/' in two bytes", "\xc0\xaf", 2, 10, 0, "UTF-8" },
	{ "overlong in two bytes with C1", "\xc1\xbf", 2, 10, 0, "UTF-8" },
	{ "overlong '/' in three bytes", "\xe0\x80\xaf", 3, 10, 0, "UTF-8" },
	{ "overlong '/' in four bytes", "\xf0\x80\x80\xaf", 4, 10, 0, "UTF-8" },
	{ "high surrogate U+D800", "\xed\xa0\x80", 3, 10, 0, "UTF-8" },
	{ "low surrogate U+DFFF", "\xed\xbf\xbf", 3, 10, 0, "UTF-8" },
	{ "U+110000 above Unicode", "\xf4\x90\x80\x80", 4, 10, 0, "UTF-8" },
	{ "F5 lead byte", "\xf5\x80\x80\x80", 4, 10, 0, "UTF-8" },
	{ "FF byte", "a\xff", 2, 10, 0, "UTF-8" },
	{ "lone continuation byte", "a\x80" "b", 3, 10, 0, "UTF-8" },
	{ "truncated at the end", "a\xc3", 2, 10, 0, "UTF-8" },
	{ "truncated three-byte sequence", "\xe2\x82", 2, 10, 0, "UTF-8" },
	{ "lead byte followed by ASCII", "\xc3" "A", 2, 10, 0, "UTF-8" },
	{ "embedded NUL", "a\0b", 3, 10, 0, "control" },
	{ "SOH", "a\x01" "b", 3, 10, 0, "control" },
	{ "tab", "a\tb", 3, 10, 0, "control" },
	{ "newline", "a\nb", 3, 10, 0, "control" },
	{ "carriage return", "a\rb", 3, 10, 0, "control" },
	{ "DEL", "a\x7f" "b", 3, 10, 0, "control" },
	{ "C1 U+0080", "a\xc2\x80" "b", 4, 10, 0, "control" },
	{ "C1 U+009F", "a\xc2\x9f" "b", 4, 10, 0, "control" },
};

static void fill_text(void)
{
	memset(a200, 'a', 200);
	memset(a201, 'a', 201);
	for (int i = 0; i < 201; i++) {
		if (i < 200)
			memcpy(oe200 + 2 * i, "\xc3\xb8", 2);
		memcpy(oe201 + 2 * i, "\xc3\xb8", 2);
	}
}

START_TEST(test_text_rules_are_enforced)
{
	const struct text_case *c = &text_cases[_i];
	const char *why = NULL;
	int rc = validate_text(c->in, c->len, c->max, c->allow_empty, &why);

	if (c->why == NULL) {
		ck_assert_msg(rc == 0, "%s: rejected: %s", c->name, why);
	} else {
		ck_assert_msg(rc == -1, "%s: accepted", c->name);
		ck_assert_msg(why != NULL && strstr(why, c->why) != NULL, "%s: said \"%s\"", c->name,
			      why ? why : "(nothing)");
	}
}
END_TEST

START_TEST(test_validators_accept_a_null_why)
{
	char guid[VALIDATE_GUID_LEN + 1];
	char origin[64];

	ck_assert_int_eq(validate_text("\xc0\xaf", 2, 10, 0, NULL), -1);
	ck_assert_int_eq(validate_guid("nope", guid, NULL), -1);
	ck_assert_int_eq(validate_lang("e", NULL), -1);
	ck_assert_int_eq(validate_return_to("javascript:alert(1)", NULL, 0, NULL), -1);
	ck_assert_int_eq(validate_origin("ftp://x", origin, sizeof origin, NULL), -1);
}
END_TEST

/* ---- returnTo ---- */

/* redirect_allow, spelled as an operator might: the check compares canonical
 * origins, so case, a default port and a trailing slash do not matter. */
static char *const allow[] = {
	"https://app.example.com", "https://allowed.example", "https://ports.example:8443",
	"http://127.0.0.1:9000",   "http://localhost:3000",   "http://[::1]:9001",
	"HTTPS://Upper.Example:443/",
};
#define ALLOW_COUNT (sizeof allow / sizeof allow[0])

static void setup_allow(void)
{
	fill_text();
}

static const char *const good_return_to[] = {
	"https://app.example.com/done",
	"https://app.example.com",
	"https://app.example.com/",
	"https://app.example.com/done?x=1&y=%2F",
	"https://app.example.com?x=1",
	"https://APP.Example.COM/done",
	"HTTPS://app.example.com/done",
	"https://app.example.com:443/done",
	"https://ports.example:8443/x",
	"http://127.0.0.1:9000/cb",
	"http://localhost:3000/cb",
	"http://LOCALHOST:3000/",
	"http://[::1]:9001/cb",
	"http://[0:0:0:0:0:0:0:1]:9001/cb",
	"https://upper.example/x",
};

START_TEST(test_return_to_on_an_allowed_origin_is_accepted)
{
	const char *why = NULL;

	ck_assert_msg(validate_return_to(good_return_to[_i], allow, ALLOW_COUNT, &why) == 0,
		      "%s was rejected: %s", good_return_to[_i], why);
}
END_TEST

struct bad_url {
	const char *url;
	const char *why; /* a word of the refusal */
};

static const struct bad_url bad_return_to[] = {
	{ "", "absolute" },
	{ "/relative/path", "absolute" },
	{ "//app.example.com/x", "absolute" },
	{ "app.example.com/x", "absolute" },
	{ "javascript:alert(1)", "absolute" },
	{ "JavaScript://app.example.com/%0aalert(1)", "absolute" },
	{ "data:text/html,hi", "absolute" },
	{ "ftp://app.example.com/", "absolute" },
	{ "https:/app.example.com/", "absolute" },
	{ "https:///app.example.com/", "host" },
	{ "http://app.example.com/", "https" },
	{ "http://localhost.evil.example:3000/", "https" },
	{ "http://[::2]:9001/", "https" },
	{ "http://10.0.0.1:9000/", "https" },
	{ "http://128.0.0.1:9000/", "https" },
	{ "http://126.255.255.255:9000/", "https" },
	{ "https://other.example/", "redirect_allow" },
	{ "https://allowed.example@evil.example/", "user information" },
	{ "https://user:pw@app.example.com/", "user information" },
	{ "https://allowed.example.evil.example/", "redirect_allow" },
	{ "https://app.example.com.evil.example/", "redirect_allow" },
	{ "https://evil.example/?next=https://app.example.com", "redirect_allow" },
	{ "https://app.example.com:8443/", "redirect_allow" },
	{ "https://ports.example/", "redirect_allow" },
	{ "https://ports.example:443/", "redirect_allow" },
	{ "http://127.0.0.1:9001/", "redirect_allow" },
	{ "http://127.0.0.1/", "redirect_allow" },
	{ "http://127.0.0.2:9000/", "redirect_allow" },
	{ "https://127.0.0.1:9000/", "redirect_allow" },
	{ "https://app.example.com/done#frag", "fragment" },
	{ "https://app.example.com/#", "fragment" },
	{ "https://app.example.com\\@evil.example/", "backslash" },
	{ "https:\\\\app.example.com/", "backslash" },
	{ "https://app.example.com /x", "spaces" },
	{ "https://app.example.com/x y", "spaces" },
	{ "https://app.example.com/\r\nSet-Cookie:x=1", "control" },
	{ "https://app.example.com/\t", "control" },
	{ "https://\xc3\xa1pp.example.com/", "non-ASCII" },
	{ "https://app%2eexample.com/", "percent" },
	{ "https://%61pp.example.com/", "percent" },
	{ "https://app.example.com:/x", "port" },
	{ "https://app.example.com:0/", "port" },
	{ "https://app.example.com:65536/", "port" },
	{ "https://app.example.com:443x/", "port" },
	{ "https://app.example.com:44:3/", "port" },
	{ "https://app.example.com./", "host name" },
	{ "https://app..example.com/", "host name" },
	{ "https://.app.example.com/", "host name" },
	{ "https://app_x.example.com/", "host name" },
	{ "http://127.0.0.01:9000/", "IPv4" },
	{ "http://2130706433:9000/", "IPv4" },
	{ "http://0x7f.0.0.1:9000/", "IPv4" },
	{ "http://127.1:9000/", "IPv4" },
	{ "http://127.0.0.256:9000/", "IPv4" },
	{ "http://[::1%25eth0]:9001/", "percent" },
	{ "http://[::1:9001/", "IPv6" },
	{ "http://[::g]:9001/", "IPv6" },
	{ "http://[]:9001/", "IPv6" },
	{ "http://[::1]x:9001/", "host" },
};

START_TEST(test_return_to_outside_the_rules_is_rejected)
{
	const struct bad_url *c = &bad_return_to[_i];
	const char *why = NULL;

	ck_assert_msg(validate_return_to(c->url, allow, ALLOW_COUNT, &why) == -1, "%s was accepted", c->url);
	ck_assert_msg(why != NULL && strstr(why, c->why) != NULL, "%s: said \"%s\", want \"%s\"",
		      c->url, why ? why : "(nothing)", c->why);
}
END_TEST

START_TEST(test_return_to_without_an_allow_list_is_rejected)
{
	const char *why = NULL;

	ck_assert_int_eq(validate_return_to("https://app.example.com/done", NULL, 0, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "redirect_allow"));
	ck_assert_int_eq(validate_return_to(NULL, allow, ALLOW_COUNT, &why), -1);
}
END_TEST

START_TEST(test_overlong_return_to_is_rejected)
{
	char url[2100];
	const char *why = NULL;

	strcpy(url, "https://app.example.com/");
	size_t n = strlen(url);
	memset(url + n, 'a', 2048 - n);
	url[2048] = '\0';
	ck_assert_int_eq(validate_return_to(url, allow, ALLOW_COUNT, &why), 0);
	url[2048] = 'a';
	url[2049] = '\0';
	ck_assert_int_eq(validate_return_to(url, allow, ALLOW_COUNT, &why), -1);
	ck_assert_str_eq(why, "is too long");
}
END_TEST

/* ---- origins for the configuration ---- */

struct origin_case {
	const char *in;
	const char *out; /* NULL: must be rejected */
};

static const struct origin_case origin_cases[] = {
	{ "https://app.example.com", "https://app.example.com" },
	{ "HTTPS://App.Example.COM", "https://app.example.com" },
	{ "https://app.example.com:443", "https://app.example.com" },
	{ "https://app.example.com/", "https://app.example.com" },
	{ "https://app.example.com:8443", "https://app.example.com:8443" },
	{ "https://app.example.com:80", "https://app.example.com:80" },
	{ "http://127.0.0.1:9000", "http://127.0.0.1:9000" },
	{ "http://localhost:80", "http://localhost" },
	{ "http://[0:0::1]:9001", "http://[::1]:9001" },
	{ "https://[2001:DB8::1]", "https://[2001:db8::1]" },
	{ "https://10.0.0.5:8443", "https://10.0.0.5:8443" },
	{ "http://app.example.com", NULL },
	{ "https://app.example.com/path", NULL },
	{ "https://app.example.com//", NULL },
	{ "https://app.example.com?x", NULL },
	{ "https://user@app.example.com", NULL },
	{ "https://app.example.com#", NULL },
	{ "app.example.com", NULL },
	{ "https://", NULL },
	{ "", NULL },
	{ NULL, NULL },
};

START_TEST(test_origin_is_canonicalised_or_rejected)
{
	const struct origin_case *c = &origin_cases[_i];
	char out[300] = "";
	const char *why = NULL;
	int rc = validate_origin(c->in, out, sizeof out, &why);

	if (c->out != NULL) {
		ck_assert_msg(rc == 0, "%s was rejected: %s", c->in, why);
		ck_assert_str_eq(out, c->out);
	} else {
		ck_assert_msg(rc == -1, "%s was accepted as %s", c->in ? c->in : "(null)", out);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(test_origin_that_does_not_fit_is_rejected)
{
	char out[sizeof "https://app.example.com"];
	const char *why = NULL;

	ck_assert_int_eq(validate_origin("https://app.example.com", out, sizeof out, &why), 0);
	ck_assert_str_eq(out, "https://app.example.com");
	ck_assert_int_eq(validate_origin("https://app.example.com:8443", out, sizeof out, &why), -1);
	ck_assert_str_eq(why, "is too long");
}
END_TEST

Suite *validate_suite(void);

Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("validate");

	tcase_add_checked_fixture(tc, setup_allow, NULL);
	tcase_add_loop_test(tc, test_guid_is_normalised_or_rejected, 0, COUNT(guid_cases));
	tcase_add_loop_test(tc, test_lang_tag_shape_is_checked, 0, COUNT(lang_cases));
	tcase_add_loop_test(tc, test_text_rules_are_enforced, 0, COUNT(text_cases));
	tcase_add_test(tc, test_validators_accept_a_null_why);
	tcase_add_loop_test(tc, test_return_to_on_an_allowed_origin_is_accepted, 0,
			    COUNT(good_return_to));
	tcase_add_loop_test(tc, test_return_to_outside_the_rules_is_rejected, 0,
			    COUNT(bad_return_to));
	tcase_add_test(tc, test_return_to_without_an_allow_list_is_rejected);
	tcase_add_test(tc, test_overlong_return_to_is_rejected);
	tcase_add_loop_test(tc, test_origin_is_canonicalised_or_rejected, 0, COUNT(origin_cases));
	tcase_add_test(tc, test_origin_that_does_not_fit_is_rejected);
	suite_add_tcase(s, tc);
	return s;
}
