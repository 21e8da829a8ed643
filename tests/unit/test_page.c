/*
 * test_page.c — the customer's result pages as a browser would receive them:
 * the heading and language of every outcome, what the page names, that nothing
 * foreign can break out of its place in the markup, that the page loads nothing,
 * and how the page language is chosen from the request, Accept-Language and the
 * configured default.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "lang.h"
#include "page.h"

#define HOSTILE "<script>alert(1)</script>\"'"
#define HOSTILE_ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"
#define GUID "0b7c3f8e-2d4a-4c1b-9e6f-5a8d7c2b1e30"

static const size_t lang_count = 8;

/* Renders a page, checking that it came back whole: a string of the length said. */
static char *render_info(const struct page_info *info)
{
	size_t len = 0;
	char *html = page_render(info, &len);

	ck_assert_ptr_nonnull(html);
	ck_assert_uint_eq(strlen(html), len);
	return html;
}

/* A page without a support contact; name is the installation's Zaptec name. */
static char *render(enum page_kind kind, const char *lang, const char *partner,
		    const char *installation, const char *name, const char *return_to)
{
	struct page_info info = {
		.kind = kind, .lang = lang, .partner_name = partner,
		.installation_id = installation, .installation_name = name, .return_to = return_to,
	};
	return render_info(&info);
}

/* A page with the support contact of the configuration. */
static char *render_support(enum page_kind kind, const char *lang, const char *partner,
			    const char *support_url, const char *support_email)
{
	struct page_info info = {
		.kind = kind, .lang = lang, .partner_name = partner,
		.support_url = support_url, .support_email = support_email,
	};
	return render_info(&info);
}

/* The text between the first "open" and the next "close" in html, as a new string. */
static char *between(const char *html, const char *open, const char *close)
{
	const char *start = strstr(html, open);

	ck_assert_msg(start != NULL, "no %s in page", open);
	start += strlen(open);
	const char *end = strstr(start, close);
	ck_assert_msg(end != NULL, "no %s after %s", close, open);
	return strndup(start, (size_t)(end - start));
}

static size_t count(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The headings a customer reads, one per language, for two outcomes. */
static const struct {
	const char *lang;
	const char *granted;
	const char *expired;
} known_headings[] = {
	{ "en", "Access granted", "Link expired" },
	{ "nb", "Tilgang gitt", "Lenken er utløpt" },
	{ "sv", "Åtkomst beviljad", "Länken har gått ut" },
	{ "da", "Adgang givet", "Linket er udløbet" },
	{ "de", "Zugriff erteilt", "Link abgelaufen" },
	{ "nl", "Toegang verleend", "Link verlopen" },
	{ "fr", "Accès accordé", "Lien expiré" },
	{ "fi", "Käyttöoikeus myönnetty", "Linkki on vanhentunut" },
};

START_TEST(test_granted_and_expired_pages_have_the_localised_heading)
{
	const char *lang = known_headings[_i].lang;
	char *granted = render(PAGE_GRANTED, lang, "Acme Energy", GUID, NULL, NULL);
	char *expired = render(PAGE_EXPIRED, lang, "Acme Energy", NULL, NULL, NULL);
	char *h1 = between(granted, "<h1>", "</h1>");
	char *title = between(granted, "<title>", "</title>");

	ck_assert_str_eq(h1, known_headings[_i].granted);
	ck_assert_str_eq(title, known_headings[_i].granted);
	free(h1);
	h1 = between(expired, "<h1>", "</h1>");
	ck_assert_str_eq(h1, known_headings[_i].expired);
	free(h1);
	free(title);
	free(granted);
	free(expired);
}
END_TEST

START_TEST(test_english_headings_say_the_outcome)
{
	static const struct {
		enum page_kind kind;
		const char *heading;
	} cases[] = {
		{ PAGE_GRANTED, "Access granted" },
		{ PAGE_DENIED, "Access not granted" },
		{ PAGE_ALREADY_GRANTED, "Access already granted" },
		{ PAGE_EXPIRED, "Link expired" },
		{ PAGE_CANCELLED, "Link no longer valid" },
		{ PAGE_LATE, "Answer arrived too late" },
		{ PAGE_CONFLICT, "Request already completed" },
		{ PAGE_INVALID, "Something went wrong" },
		{ PAGE_UNKNOWN, "Link not valid" },
		{ PAGE_UNAVAILABLE, "Temporary problem" },
		{ PAGE_VERIFYING, "Approval received" },
		{ PAGE_CONTESTED, "Installation already connected" },
	};

	ck_assert_uint_eq(sizeof cases / sizeof cases[0], PAGE_KIND_COUNT);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *html = render(cases[i].kind, "en", "Acme", NULL, NULL, NULL);
		char *h1 = between(html, "<h1>", "</h1>");
		ck_assert_str_eq(h1, cases[i].heading);
		free(h1);
		free(html);
	}
}
END_TEST

/* Every kind, in every language, has a heading of its own in that language. */
START_TEST(test_every_kind_has_a_distinct_heading_in_every_language)
{
	const char *lang = lang_supported[_i];
	char *headings[PAGE_KIND_COUNT];

	for (int k = 0; k < PAGE_KIND_COUNT; k++) {
		char *html = render((enum page_kind)k, lang, "Acme", NULL, NULL, NULL);
		char *html_lang = between(html, "<html lang=\"", "\"");
		ck_assert_str_eq(html_lang, lang);
		headings[k] = between(html, "<h1>", "</h1>");
		ck_assert_uint_gt(strlen(headings[k]), 0);
		for (int j = 0; j < k; j++)
			ck_assert_str_ne(headings[j], headings[k]);
		free(html_lang);
		free(html);
	}
	if (strcmp(lang, "en") != 0) {
		char *english = render(PAGE_GRANTED, "en", "Acme", NULL, NULL, NULL);
		char *english_heading = between(english, "<h1>", "</h1>");
		ck_assert_str_ne(headings[PAGE_GRANTED], english_heading);
		free(english_heading);
		free(english);
	}
	for (int k = 0; k < PAGE_KIND_COUNT; k++)
		free(headings[k]);
}
END_TEST

START_TEST(test_every_language_has_every_message)
{
	for (size_t l = 0; lang_supported[l] != NULL; l++)
		for (int m = 0; m < I18N_MSG_COUNT; m++)
			ck_assert_msg(i18n_lookup(lang_supported[l], (enum i18n_msg)m) != NULL,
				      "%s lacks message %d", lang_supported[l], m);
	ck_assert_ptr_null(i18n_lookup("xx", I18N_GRANTED_HEADING));
}
END_TEST

START_TEST(test_lang_supported_lists_the_eight_supported)
{
	static const char *const expected[] = { "en", "nb", "sv", "da", "de", "nl", "fr", "fi" };

	for (size_t i = 0; i < lang_count; i++)
		ck_assert_str_eq(lang_supported[i], expected[i]);
	ck_assert_ptr_null(lang_supported[lang_count]);
}
END_TEST

START_TEST(test_norwegian_page_declares_nb)
{
	char *html = render(PAGE_GRANTED, "nb", "Acme", GUID, NULL, NULL);

	ck_assert_ptr_nonnull(strstr(html, "<html lang=\"nb\">"));
	ck_assert_ptr_nonnull(strstr(html, "Acme har nå tilgang til Zaptec-installasjonen din."));
	free(html);
	html = render(PAGE_GRANTED, "nb-NO", "Acme", GUID, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(html, "<html lang=\"nb\">"));
	free(html);
}
END_TEST

START_TEST(test_unsupported_or_missing_page_language_renders_english)
{
	char *xx = render(PAGE_DENIED, "xx", "Acme", NULL, NULL, NULL);
	char *none = render(PAGE_DENIED, NULL, "Acme", NULL, NULL, NULL);

	ck_assert_ptr_nonnull(strstr(xx, "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(xx, "<h1>Access not granted</h1>"));
	ck_assert_str_eq(xx, none);
	free(xx);
	free(none);
}
END_TEST

START_TEST(test_granted_page_names_partner_and_installation)
{
	char *html = render(PAGE_GRANTED, "en", "Acme Energy", GUID, NULL, NULL);

	ck_assert_ptr_nonnull(strstr(html, "<p>Acme Energy now has access to your Zaptec installation.</p>"));
	ck_assert_ptr_nonnull(strstr(html, "<dt>Installation</dt><dd class=\"id\">" GUID "</dd>"));
	ck_assert_ptr_null(strstr(html, "Reference"));
	free(html);
}
END_TEST

/* Once verification has read the installation's name at Zaptec, the page names
 * it the way the customer knows it, instead of a GUID. */
START_TEST(test_an_installation_with_a_zaptec_name_is_named_by_it)
{
	char *html = render(PAGE_ALREADY_GRANTED, "nb", "Acme", GUID, "Garasjen på hytta", NULL);

	ck_assert_ptr_nonnull(strstr(html, "<dt>Installasjon</dt><dd>Garasjen på hytta</dd>"));
	ck_assert_ptr_null(strstr(html, GUID));
	free(html);
}
END_TEST

START_TEST(test_page_without_installation_has_no_detail_rows)
{
	char *html = render(PAGE_EXPIRED, "en", "Acme", NULL, "", NULL);

	ck_assert_ptr_null(strstr(html, "<dl>"));
	ck_assert_ptr_nonnull(strstr(html, "This link has expired. Please ask Acme for a new one."));
	free(html);
}
END_TEST

/* Help in the customer's language on every page that is not a success: the
 * support page and address as links, under a sentence naming the partner. */
START_TEST(test_every_page_but_a_success_shows_the_support_contact)
{
	const char *lang = lang_supported[_i];
	const char *sentence = i18n_lookup(lang, I18N_HELP_CONTACT);
	char *expected = malloc(strlen(sentence) + 16);
	char *at = strstr(sentence, "{partner}");

	ck_assert_ptr_nonnull(at);
	sprintf(expected, "%.*sAcme%s", (int)(at - sentence), sentence, at + strlen("{partner}"));
	for (int k = 0; k < PAGE_KIND_COUNT; k++) {
		char *html = render_support((enum page_kind)k, lang, "Acme",
					    "https://help.example/zaptec?a=1&b=2", "help@acme.example");
		int success = k == PAGE_GRANTED || k == PAGE_ALREADY_GRANTED;

		ck_assert_int_eq(page_is_success((enum page_kind)k), success);
		if (success) {
			ck_assert_ptr_null(strstr(html, "class=\"help\""));
			ck_assert_ptr_null(strstr(html, "help.example"));
		} else {
			ck_assert_msg(strstr(html, expected) != NULL, "%s kind %d: no \"%s\"", lang, k, expected);
			ck_assert_ptr_nonnull(strstr(html, "<a class=\"support\" href=\"https://help.example/zaptec?"
							   "a=1&amp;b=2\" rel=\"noreferrer\">"));
			ck_assert_ptr_nonnull(strstr(html, i18n_lookup(lang, I18N_HELP_LINK)));
			ck_assert_ptr_nonnull(strstr(html, "<a class=\"support\" href=\"mailto:help@acme.example\">"
							   "help@acme.example</a>"));
		}
		free(html);
	}
	free(expected);
}
END_TEST

START_TEST(test_a_support_contact_may_be_a_page_or_an_address_alone)
{
	char *url_only = render_support(PAGE_EXPIRED, "en", "Acme", "https://help.example/", NULL);
	char *email_only = render_support(PAGE_UNKNOWN, "de", NULL, NULL, "help@acme.example");

	ck_assert_ptr_nonnull(strstr(url_only, "<p class=\"help\">Need help? Contact Acme:<span>"
					       "<a class=\"support\" href=\"https://help.example/\" "
					       "rel=\"noreferrer\">Get help</a></span></p>"));
	ck_assert_ptr_null(strstr(url_only, "mailto:"));
	ck_assert_ptr_nonnull(strstr(email_only, "<p class=\"help\">Brauchen Sie Hilfe? Wenden Sie sich an "
						 "den Support:<span><a class=\"support\" href=\"mailto:"
						 "help@acme.example\">help@acme.example</a></span></p>"));
	free(url_only);
	free(email_only);
}
END_TEST

/* Without a support contact, the customer is still told whom to ask. */
START_TEST(test_without_a_support_contact_the_page_says_to_contact_the_partner)
{
	char *named = render(PAGE_CANCELLED, "en", "Acme", NULL, NULL, NULL);
	char *anon = render(PAGE_CONFLICT, "en", NULL, NULL, NULL, NULL);
	char *french = render(PAGE_INVALID, "fr", "Acme", NULL, NULL, NULL);
	char *granted = render(PAGE_GRANTED, "en", "Acme", GUID, NULL, NULL);

	ck_assert_ptr_nonnull(strstr(named, "<p class=\"help\">Need help? Please contact Acme.</p>"));
	ck_assert_ptr_nonnull(strstr(anon, "<p class=\"help\">Need help? Please contact the company "
					   "that sent you this link.</p>"));
	ck_assert_ptr_nonnull(strstr(french, "<p class=\"help\">Besoin d’aide\u00a0? Veuillez contacter Acme.</p>"));
	ck_assert_ptr_null(strstr(granted, "class=\"help\""));
	free(named);
	free(anon);
	free(french);
	free(granted);
}
END_TEST

START_TEST(test_the_support_contact_is_escaped)
{
	char *html = render_support(PAGE_LATE, "en", "Acme", "https://help.example/?q=\"><script>x</script>",
				    "a'b@example.com");

	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_nonnull(strstr(html, "href=\"https://help.example/?q=&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
	ck_assert_ptr_nonnull(strstr(html, "href=\"mailto:a&#39;b@example.com\">a&#39;b@example.com</a>"));
	free(html);
}
END_TEST

START_TEST(test_page_without_partner_uses_the_sentence_without_a_name)
{
	for (int k = 0; k < PAGE_KIND_COUNT; k++) {
		char *html = render((enum page_kind)k, lang_supported[_i], NULL, GUID, NULL,
				    "https://partner.example/done");
		ck_assert_ptr_null(strstr(html, "{partner}"));
		ck_assert_ptr_null(strstr(html, "<p></p>"));
		free(html);
	}
	char *html = render(PAGE_EXPIRED, "en", NULL, NULL, NULL, "https://partner.example/done");
	ck_assert_ptr_nonnull(strstr(html, "<p>This link has expired. Please ask for a new one.</p>"));
	ck_assert_ptr_nonnull(strstr(html, ">Go back</a>"));
	free(html);
}
END_TEST

START_TEST(test_partner_name_replaces_every_placeholder)
{
	for (int k = 0; k < PAGE_KIND_COUNT; k++) {
		char *html = render((enum page_kind)k, lang_supported[_i], "Acme", GUID, "Garage",
				    "https://partner.example/done");
		ck_assert_ptr_null(strstr(html, "{partner}"));
		ck_assert_ptr_nonnull(strstr(html, "Acme</a>"));
		free(html);
	}
}
END_TEST

START_TEST(test_hostile_values_are_escaped_everywhere)
{
	char *html = render(PAGE_GRANTED, "en", HOSTILE, HOSTILE, HOSTILE,
			    "https://partner.example/back?a=1&b=\"><script>x</script>");

	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "alert(1)</script>"));
	ck_assert_ptr_null(strstr(html, "\"'"));
	/* partner in the sentence and on the button, the installation's name */
	ck_assert_uint_eq(count(html, HOSTILE_ESCAPED), 3);
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://partner.example/back?a=1&amp;b=&quot;&gt;"
					   "&lt;script&gt;x&lt;/script&gt;\" rel=\"noreferrer\">"));
	free(html);
}
END_TEST

START_TEST(test_return_link_is_shown_only_when_given)
{
	char *with = render(PAGE_GRANTED, "en", "Acme", GUID, NULL, "https://partner.example/done");
	char *without = render(PAGE_GRANTED, "en", "Acme", GUID, NULL, NULL);
	char *empty = render(PAGE_GRANTED, "en", "Acme", GUID, NULL, "");

	ck_assert_ptr_nonnull(strstr(with, "<a href=\"https://partner.example/done\" "
					   "rel=\"noreferrer\">Return to Acme</a>"));
	ck_assert_ptr_null(strstr(with, "You can close this page now."));
	ck_assert_ptr_null(strstr(without, "<a "));
	ck_assert_ptr_null(strstr(without, "href"));
	ck_assert_ptr_nonnull(strstr(without, "You can close this page now."));
	ck_assert_ptr_null(strstr(empty, "<a "));
	free(with);
	free(without);
	free(empty);
}
END_TEST

START_TEST(test_every_page_fits_a_phone_screen)
{
	for (int k = 0; k < PAGE_KIND_COUNT; k++) {
		char *html = render((enum page_kind)k, "en", "Acme", NULL, NULL, NULL);
		ck_assert_ptr_nonnull(strstr(html, "<meta name=\"viewport\" "
						   "content=\"width=device-width, initial-scale=1\">"));
		ck_assert_ptr_nonnull(strstr(html, "<meta charset=\"utf-8\">"));
		ck_assert_uint_eq(strncmp(html, "<!DOCTYPE html>\n", 16), 0);
		free(html);
	}
}
END_TEST

/* The only URL on a page is the partner's own link back: no script, no external
 * style, font or image, no style attribute a CSP without 'unsafe-hashes' would
 * block. */
START_TEST(test_pages_load_nothing_from_elsewhere)
{
	for (int k = 0; k < PAGE_KIND_COUNT; k++) {
		char *html = render((enum page_kind)k, lang_supported[_i], "Acme", GUID, "Garage",
				    "https://partner.example/done");
		ck_assert_uint_eq(count(html, "http"), 1);
		ck_assert_uint_eq(count(html, "https://partner.example/done"), 1);
		ck_assert_uint_eq(count(html, "//"), 1);
		ck_assert_ptr_null(strstr(html, "<script"));
		ck_assert_ptr_null(strstr(html, "src="));
		ck_assert_ptr_null(strstr(html, "<link"));
		ck_assert_ptr_null(strstr(html, "url("));
		ck_assert_ptr_null(strstr(html, "@import"));
		ck_assert_ptr_null(strstr(html, " style="));
		ck_assert_uint_eq(count(html, "<style>"), 1);
		free(html);
	}
}
END_TEST

START_TEST(test_outcome_sets_the_card_colour)
{
	static const struct {
		enum page_kind kind;
		const char *main;
	} cases[] = {
		{ PAGE_GRANTED, "<main class=\"ok\">" },
		{ PAGE_ALREADY_GRANTED, "<main class=\"ok\">" },
		{ PAGE_DENIED, "<main class=\"no\">" },
		{ PAGE_EXPIRED, "<main class=\"warn\">" },
		{ PAGE_CANCELLED, "<main class=\"warn\">" },
		{ PAGE_LATE, "<main class=\"warn\">" },
		{ PAGE_CONFLICT, "<main class=\"warn\">" },
		{ PAGE_INVALID, "<main class=\"err\">" },
		{ PAGE_UNKNOWN, "<main class=\"err\">" },
		{ PAGE_UNAVAILABLE, "<main class=\"err\">" },
		{ PAGE_VERIFYING, "<main class=\"ok\">" },
		{ PAGE_CONTESTED, "<main class=\"warn\">" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *html = render(cases[i].kind, "en", "Acme", NULL, NULL, NULL);
		ck_assert_ptr_nonnull(strstr(html, cases[i].main));
		free(html);
	}
}
END_TEST

START_TEST(test_unavailable_page_asks_to_try_again_shortly)
{
	char *html = render(PAGE_UNAVAILABLE, "en", "Acme", NULL, NULL, NULL);

	ck_assert_ptr_nonnull(strstr(html, "<p>We could not record your answer right now. "
					   "Please try again in a moment.</p>"));
	free(html);
}
END_TEST

static const struct {
	const char *request;
	const char *accept;
	const char *fallback;
	const char *expected;
} lang_cases[] = {
	{ "de", "fr", "sv", "de" },                        /* the request's own language wins */
	{ "nb-NO", NULL, NULL, "nb" },
	{ "no", NULL, NULL, "nb" },
	{ "nn", NULL, NULL, "nb" },
	{ "sv-SE", NULL, NULL, "sv" },
	{ "FR-ca", NULL, NULL, "fr" },
	{ "xx", "da", "en", "da" },                        /* unsupported request: header next */
	{ "en<script>", "fi", NULL, "fi" },
	{ NULL, "de-CH;q=0.9, fr;q=1", NULL, "fr" },
	{ NULL, "de-CH;q=0.9, fr;q=0.8", NULL, "de" },
	{ NULL, "fr;q=0, nl;q=0.1", "en", "nl" },          /* q=0 is never chosen */
	{ NULL, "fr;q=0.000", "sv", "sv" },
	{ NULL, "de;q=0.5, fr;q=0.5", NULL, "de" },        /* ties keep header order */
	{ NULL, "es, it;q=0.9, nb-NO;q=0.8, en;q=0.7", NULL, "nb" },
	{ NULL, "*, de;q=0.1", "fi", "de" },               /* "*" picks nothing itself */
	{ NULL, "*", "fi", "fi" },
	{ NULL, "  da ; q=0.7 ,sv;q=0.6", NULL, "da" },
	{ NULL, "de fr", "nl", "nl" },                     /* a missing comma: malformed */
	{ NULL, "de;q=abc, fr;q=1.5, sv;q=0.1234, fi;q=", "nl", "nl" },
	{ NULL, ";;;,,=q,;q=1,", "da", "da" },             /* garbage header: default */
	{ NULL, "", "de", "de" },
	{ NULL, NULL, "xx", "en" },                        /* unsupported default: English */
	{ NULL, NULL, NULL, "en" },
	{ "", "", "", "en" },
};

START_TEST(test_lang_pick_follows_request_header_default)
{
	const char *got = lang_pick(lang_cases[_i].request, lang_cases[_i].accept,
					 lang_cases[_i].fallback);

	ck_assert_msg(strcmp(got, lang_cases[_i].expected) == 0,
		      "request %s, accept %s, default %s: got %s, want %s",
		      lang_cases[_i].request ? lang_cases[_i].request : "(null)",
		      lang_cases[_i].accept ? lang_cases[_i].accept : "(null)",
		      lang_cases[_i].fallback ? lang_cases[_i].fallback : "(null)",
		      got, lang_cases[_i].expected);
}
END_TEST

START_TEST(test_lang_pick_returns_an_entry_of_lang_supported)
{
	const char *got = lang_pick("nb-NO", NULL, NULL);
	int found = 0;

	for (size_t i = 0; lang_supported[i] != NULL; i++)
		found |= got == lang_supported[i];
	ck_assert(found);
}
END_TEST

START_TEST(test_lang_pick_survives_a_huge_hostile_header)
{
	size_t n = 1 << 20;
	char *header = malloc(n + 1);

	ck_assert_ptr_nonnull(header);
	for (size_t i = 0; i < n; i++)
		header[i] = "a;q=0.9x,=- \t*"[i % 14];
	header[n] = '\0';
	ck_assert_str_eq(lang_pick(NULL, header, "sv"), "sv");
	memset(header, 'd', n);
	ck_assert_str_eq(lang_pick(NULL, header, "fi"), "fi");
	memcpy(header + n - 8, ",fr;q=.5", 8);
	ck_assert_str_eq(lang_pick(NULL, header, "fi"), "fi");
	memcpy(header + n - 8, ",fr;q=1 ", 8);
	ck_assert_str_eq(lang_pick(NULL, header, "fi"), "fr");
	free(header);
}
END_TEST

START_TEST(test_page_escape_html_escapes_the_five_characters)
{
	char out[128];
	size_t n = page_escape_html(out, sizeof out, "a&b<c>d\"e'f é");

	ck_assert_str_eq(out, "a&amp;b&lt;c&gt;d&quot;e&#39;f é");
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_uint_eq(page_escape_html(out, sizeof out, NULL), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_page_escape_html_short_buffer_reports_the_full_length)
{
	char out[8];
	size_t n = page_escape_html(out, sizeof out, "ab<cd>ef");

	/* "ab&lt;cd&gt;ef" needs 14 bytes; only whole units that fit are written */
	ck_assert_uint_eq(n, 14);
	ck_assert_str_eq(out, "ab&lt;c");
	n = page_escape_html(out, 5, "ab<cd");
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(out, "ab");
	ck_assert_uint_eq(page_escape_html(NULL, 0, "<>"), 8);
	ck_assert_uint_eq(page_escape_html(out, sizeof out, "1234567"), 7);
	ck_assert_str_eq(out, "1234567");
}
END_TEST

Suite *page_suite(void);

Suite *page_suite(void)
{
	Suite *s = suite_create("page");
	TCase *render_case = tcase_create("render");
	TCase *lang_case = tcase_create("lang");
	TCase *escape_case = tcase_create("escape");
	int nlang = (int)lang_count;

	tcase_add_loop_test(render_case, test_granted_and_expired_pages_have_the_localised_heading, 0,
			    (int)(sizeof known_headings / sizeof known_headings[0]));
	tcase_add_test(render_case, test_english_headings_say_the_outcome);
	tcase_add_loop_test(render_case, test_every_kind_has_a_distinct_heading_in_every_language, 0, nlang);
	tcase_add_test(render_case, test_every_language_has_every_message);
	tcase_add_test(render_case, test_lang_supported_lists_the_eight_supported);
	tcase_add_test(render_case, test_norwegian_page_declares_nb);
	tcase_add_test(render_case, test_unsupported_or_missing_page_language_renders_english);
	tcase_add_test(render_case, test_granted_page_names_partner_and_installation);
	tcase_add_test(render_case, test_an_installation_with_a_zaptec_name_is_named_by_it);
	tcase_add_test(render_case, test_page_without_installation_has_no_detail_rows);
	tcase_add_loop_test(render_case, test_every_page_but_a_success_shows_the_support_contact, 0, nlang);
	tcase_add_test(render_case, test_a_support_contact_may_be_a_page_or_an_address_alone);
	tcase_add_test(render_case, test_without_a_support_contact_the_page_says_to_contact_the_partner);
	tcase_add_test(render_case, test_the_support_contact_is_escaped);
	tcase_add_loop_test(render_case, test_page_without_partner_uses_the_sentence_without_a_name, 0, nlang);
	tcase_add_loop_test(render_case, test_partner_name_replaces_every_placeholder, 0, nlang);
	tcase_add_test(render_case, test_hostile_values_are_escaped_everywhere);
	tcase_add_test(render_case, test_return_link_is_shown_only_when_given);
	tcase_add_test(render_case, test_every_page_fits_a_phone_screen);
	tcase_add_loop_test(render_case, test_pages_load_nothing_from_elsewhere, 0, nlang);
	tcase_add_test(render_case, test_outcome_sets_the_card_colour);
	tcase_add_test(render_case, test_unavailable_page_asks_to_try_again_shortly);
	suite_add_tcase(s, render_case);

	tcase_add_loop_test(lang_case, test_lang_pick_follows_request_header_default, 0,
			    (int)(sizeof lang_cases / sizeof lang_cases[0]));
	tcase_add_test(lang_case, test_lang_pick_returns_an_entry_of_lang_supported);
	tcase_add_test(lang_case, test_lang_pick_survives_a_huge_hostile_header);
	suite_add_tcase(s, lang_case);

	tcase_add_test(escape_case, test_page_escape_html_escapes_the_five_characters);
	tcase_add_test(escape_case, test_page_escape_html_short_buffer_reports_the_full_length);
	suite_add_tcase(s, escape_case);
	return s;
}
