/*
 * test_log.c — log lines are logfmt: values that carry text are quoted and
 * escaped, numbers and the format's own words stay bare, and a line cut at the
 * end of its room is still valid. Every output is also run through a small
 * logfmt reader here.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

Suite *log_suite(void);

static int fmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));

static int fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = log_vformat(out, cap, f, ap);
	va_end(ap);
	return n;
}

/* Whether s is one valid logfmt line: fields key[=value] separated by single
 * spaces; a key has no space, '=' or '"'; a bare value no space, '"' or '=';
 * a quoted value only the escapes \" \\ \n \r \t \uXXXX and no control bytes. */
static int valid_logfmt(const char *s)
{
	while (*s) {
		const char *key = s;
		while (*s && *s != '=' && *s != ' ' && *s != '"' && (unsigned char)*s > ' ')
			s++;
		if (s == key)
			return 0;
		if (*s == '=') {
			s++;
			if (*s == '"') {
				for (s++; *s != '"'; s++) {
					if (*s == '\0' || (unsigned char)*s < ' ')
						return 0;
					if (*s == '\\') {
						s++;
						if (*s == 'u') {
							for (int i = 1; i <= 4; i++)
								if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == '\0')
									return 0;
							s += 4;
						} else if (!strchr("\"\\nrt", *s) || *s == '\0') {
							return 0;
						}
					}
				}
				s++;
			} else {
				const char *v = s;
				while (*s && *s != ' ' && *s != '"' && *s != '=' && (unsigned char)*s > ' ')
					s++;
				if (s == v)
					return 0;
			}
		}
		if (*s == ' ')
			s++;
		else if (*s != '\0')
			return 0;
	}
	return 1;
}

static void expect(const char *got, const char *want)
{
	ck_assert_str_eq(got, want);
	ck_assert_msg(valid_logfmt(got), "not logfmt: %s", got);
}

START_TEST(test_a_quoted_value_has_its_quotes_and_newlines_escaped)
{
	char out[256];
	/* What a failed SIGHUP reload wrote before: a reason with quotes in it. */
	fmt(out, sizeof out, "event=reload_failed reason=\"%s\"",
	    "t.conf:3: log_level: expected error, warn, info or debug, got \"loud\"");
	expect(out, "event=reload_failed reason=\"t.conf:3: log_level: expected error, warn, info or debug, "
		    "got \\\"loud\\\"\"");
	fmt(out, sizeof out, "error=\"%s\"", "a\\b\nc\rd\te");
	expect(out, "error=\"a\\\\b\\nc\\rd\\te\"");
}
END_TEST

START_TEST(test_text_from_a_conversion_is_always_quoted)
{
	char out[256];
	fmt(out, sizeof out, "event=http client=%s method=%.16s", "127.0.0.1", "GET");
	expect(out, "event=http client=\"127.0.0.1\" method=\"GET\"");
	fmt(out, sizeof out, "event=callback.%s request=%s", "granted", "-");
	expect(out, "event=\"callback.granted\" request=\"-\"");
	const char *none = getenv("ACCESSD_TEST_UNSET_VARIABLE");
	fmt(out, sizeof out, "a=%s b=%s c=%c", "", none, 'x');
	expect(out, "a=\"\" b=\"\" c=\"x\"");
	fmt(out, sizeof out, "spoof=%s", "x\" level=error event=forged");
	expect(out, "spoof=\"x\\\" level=error event=forged\"");
}
END_TEST

START_TEST(test_numbers_and_the_formats_own_words_stay_bare)
{
	char out[256];
	fmt(out, sizeof out, "event=ready public_port=%d admin_port=%d n=%zu big=%lld u=%llu f=%.3f w=%*d p=%%",
	    8080, 8081, (size_t)7, -5LL, 18446744073709551615ULL, 0.5, 4, 42);
	expect(out, "event=ready public_port=8080 admin_port=8081 n=7 big=-5 u=18446744073709551615 f=0.500 "
		    "w=\"  42\" p=%");
	fmt(out, sizeof out, "event=stopped");
	expect(out, "event=stopped");
	fmt(out, sizeof out, "next_in=%llds", 30LL);
	expect(out, "next_in=30s");
}
END_TEST

START_TEST(test_control_bytes_and_invalid_utf8_are_escaped)
{
	char out[256];
	fmt(out, sizeof out, "q=%s", "a\x01\x1b[31m\x7f");
	expect(out, "q=\"a\\u0001\\u001b[31m\\u007f\"");
	fmt(out, sizeof out, "q=%s", "Str\xc3\xb8m \xff\xc3 \xed\xa0\x80");
	expect(out, "q=\"Strøm \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}
END_TEST

/* At the end of its room a quoted value is cut between characters and closed;
 * a bare field that does not fit is left out whole. */
START_TEST(test_a_line_cut_at_its_end_stays_valid)
{
	char out[64], big[300];
	memset(big, '"', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (size_t cap = 1; cap <= sizeof out; cap++) {
		int n = fmt(out, cap, "event=x status=%d detail=%s tail=%d", 200, big, 1);
		ck_assert_int_ge(n, 0);
		ck_assert_uint_lt((size_t)n, cap);
		ck_assert_uint_eq(strlen(out), (size_t)n);
		ck_assert_msg(n == 0 || valid_logfmt(out), "cap %zu: not logfmt: %s", cap, out);
	}
	fmt(out, sizeof out, "event=x detail=%s", big);
	ck_assert_uint_eq(strlen(out), sizeof out - 1);
	ck_assert_int_eq(out[strlen(out) - 1], '"');
	ck_assert_int_ne(out[strlen(out) - 2], '\\');
	fmt(out, 12, "event=x status=%d", 200);
	expect(out, "event=x");
}
END_TEST

START_TEST(test_the_reader_here_rejects_what_is_not_logfmt)
{
	ck_assert(!valid_logfmt("a=\"b"));
	ck_assert(!valid_logfmt("a=b\"c"));
	ck_assert(!valid_logfmt("a=\"b\\x\""));
	ck_assert(!valid_logfmt("=b"));
	ck_assert(!valid_logfmt("a= b"));
	ck_assert(valid_logfmt("a=1 b=\"x y\" c"));
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("logfmt");
	tcase_add_test(tc, test_a_quoted_value_has_its_quotes_and_newlines_escaped);
	tcase_add_test(tc, test_text_from_a_conversion_is_always_quoted);
	tcase_add_test(tc, test_numbers_and_the_formats_own_words_stay_bare);
	tcase_add_test(tc, test_control_bytes_and_invalid_utf8_are_escaped);
	tcase_add_test(tc, test_a_line_cut_at_its_end_stays_valid);
	tcase_add_test(tc, test_the_reader_here_rejects_what_is_not_logfmt);
	suite_add_tcase(s, tc);
	return s;
}
