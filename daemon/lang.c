/*
 * lang.c — the languages pages come in, and the choice of one for a request:
 * its own lang, else the browser's Accept-Language (RFC 9110 weights), else
 * the configured default.
 */
#include <string.h>
#include <strings.h>

#include "lang.h"

const char *const lang_supported[] = { "en", "nb", "sv", "da", "de", "nl", "fr", "fi", NULL };

/* Language tags we accept, by their primary subtag, and the page language each
 * gets: Norwegian in any form reads Bokmål. */
static const struct {
	const char *tag;
	size_t lang;    /* index into lang_supported */
} lang_aliases[] = {
	{ "en", 0 }, { "nb", 1 }, { "no", 1 }, { "nn", 1 }, { "sv", 2 },
	{ "da", 3 }, { "de", 4 }, { "nl", 5 }, { "fr", 6 }, { "fi", 7 },
};

/* The page language for the first n bytes of tag, by its primary subtag, or NULL.
 * The whole tag must look like one (letters, digits, '-' or '_'), so that
 * "en<x" or "de fr" matches nothing. */
static const char *map_tag(const char *tag, size_t n)
{
	size_t primary = 0;

	while (primary < n && ((tag[primary] | 0x20) >= 'a' && (tag[primary] | 0x20) <= 'z'))
		primary++;
	if (primary < 2 || primary > 3)
		return NULL;
	for (size_t i = primary; i < n; i++) {
		char c = tag[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (!ok || (i == primary && c != '-' && c != '_'))
			return NULL;
	}
	for (size_t i = 0; i < sizeof lang_aliases / sizeof lang_aliases[0]; i++)
		if (primary == strlen(lang_aliases[i].tag) &&
		    strncasecmp(tag, lang_aliases[i].tag, primary) == 0)
			return lang_supported[lang_aliases[i].lang];
	return NULL;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* An RFC 9110 qvalue in [s, end), as thousandths: "0", "0.5", "1.000". Returns -1
 * for anything else (empty, "1.5", "0.1234", "abc"). */
static int parse_qvalue(const char *s, const char *end)
{
	if (s >= end || (*s != '0' && *s != '1'))
		return -1;
	int q = (*s - '0') * 1000;
	const char *p = s + 1;

	if (p == end)
		return q;
	if (*p != '.')
		return -1;
	p++;
	int scale = 100;
	for (; p < end; p++, scale /= 10) {
		if (scale == 0 || *p < '0' || *p > '9')
			return -1;
		q += (*p - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/*
 * One element of Accept-Language, [s, end): a language range, optional
 * whitespace, then ";"-separated parameters of which q is the weight. Returns the
 * page language it names with its weight in *q, or NULL when the element is
 * malformed, names no supported language, or is "*".
 */
static const char *parse_element(const char *s, const char *end, int *q)
{
	while (s < end && is_ows(*s))
		s++;
	const char *range = s;
	while (s < end && *s != ';' && !is_ows(*s))
		s++;
	const char *lang = map_tag(range, (size_t)(s - range));

	*q = 1000;
	while (s < end) {
		while (s < end && is_ows(*s))
			s++;
		if (s == end)
			break;
		if (*s != ';')
			return NULL;
		s++;
		while (s < end && is_ows(*s))
			s++;
		const char *param = s;
		while (s < end && *s != ';' && !is_ows(*s))
			s++;
		if (s - param >= 2 && (param[0] | 0x20) == 'q' && param[1] == '=') {
			*q = parse_qvalue(param + 2, s);
			if (*q < 0)
				return NULL;
		}
	}
	return lang;
}

/* The best supported language of an Accept-Language header: the highest weight,
 * the earliest element among equals, never one of weight 0. NULL when none. */
static const char *pick_accept(const char *header)
{
	const char *best = NULL;
	int best_q = 0;
	const char *s = header;

	for (;;) {
		const char *end = strchr(s, ',');
		if (end == NULL)
			end = s + strlen(s);
		int q;
		const char *lang = parse_element(s, end, &q);
		if (lang != NULL && q > best_q) {
			best = lang;
			best_q = q;
		}
		if (*end == '\0')
			break;
		s = end + 1;
	}
	return best;
}

const char *lang_pick(const char *request_lang, const char *accept_language,
		      const char *default_lang)
{
	const char *lang = NULL;

	if (request_lang != NULL)
		lang = map_tag(request_lang, strlen(request_lang));
	if (lang == NULL && accept_language != NULL)
		lang = pick_accept(accept_language);
	if (lang == NULL && default_lang != NULL)
		lang = map_tag(default_lang, strlen(default_lang));
	return lang != NULL ? lang : lang_supported[0];
}
