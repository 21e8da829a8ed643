/*
 * page.h — the HTML pages the customer's browser sees: result pages for every
 * outcome of /access-result and /connect, localised, self-contained (inline CSS,
 * no external resources), every dynamic value HTML-escaped. Every page that is
 * not a success tells the customer where to get help.
 */
#ifndef ACCESSD_PAGE_H
#define ACCESSD_PAGE_H

#include <stddef.h>

enum page_kind {
	PAGE_GRANTED,            /* access granted just now, or the same callback again */
	PAGE_DENIED,             /* access not granted */
	PAGE_ALREADY_GRANTED,    /* /connect on a request that was granted before */
	PAGE_EXPIRED,            /* the link expired: ask the partner for a new one */
	PAGE_CANCELLED,          /* the partner cancelled the link: no longer valid */
	PAGE_LATE,               /* the answer came back too long after the link expired */
	PAGE_CONFLICT,           /* a different answer for a request already completed */
	PAGE_INVALID,            /* the return from Zaptec was malformed; try again */
	PAGE_UNKNOWN,            /* no such link */
	PAGE_UNAVAILABLE,        /* a temporary failure on our side; try again shortly */
	PAGE_VERIFYING,          /* a grant received and being confirmed with the Zaptec API */
	PAGE_CONTESTED,          /* the installation is already connected to another account
				  * (a 409 on the callback; a 200 on /connect afterwards) */
	PAGE_KIND_COUNT
};

/* What a page shows. Every string is borrowed and may be NULL when unknown.
 * The partner's own reference for the customer is deliberately not here: it is
 * the partner's internal id and never shown. */
struct page_info {
	enum page_kind kind;
	const char *lang;            /* a supported language from lang_pick() */
	const char *partner_name;
	const char *installation_id;
	const char *installation_name; /* Zaptec's name for it, shown instead of the id */
	const char *return_to;       /* a link back to the partner, already validated */
	const char *support_url;     /* help for pages that are not a success, validated */
	const char *support_email;
};

/* Whether a page of this kind reports a success (access granted). Every other
 * kind, including any added later, carries the support contact. */
int page_is_success(enum page_kind kind);

/* Renders the page as a new NUL-terminated UTF-8 string (caller frees), its byte
 * length in *len. Returns NULL only when memory runs out. */
char *page_render(const struct page_info *info, size_t *len);

/* Writes the HTML-escaped form of s (& < > " ' escaped) into out, at most cap
 * bytes including the NUL. Returns the length the whole escape needs, like
 * snprintf: the output is complete only when the result is < cap. */
size_t page_escape_html(char *out, size_t cap, const char *s);

#endif
