/*
 * lang.h — the page languages and the negotiation of one for a request.
 */
#ifndef ACCESSD_LANG_H
#define ACCESSD_LANG_H

/* The languages pages come in: "en", "nb", "sv", "da", "de", "nl", "fr", "fi". */
extern const char *const lang_supported[];

/*
 * Chooses the page language: the request's own lang when it maps to a supported
 * one ("nb-NO" → "nb", "no" → "nb", "nn" → "nb", "sv-SE" → "sv"), else the best
 * supported match of the Accept-Language header (q-values honoured, q=0 never
 * chosen), else default_lang when it maps, else "en". Any argument may be NULL.
 * Returns a pointer into lang_supported.
 */
const char *lang_pick(const char *request_lang, const char *accept_language,
		      const char *default_lang);

#endif
