/*
 * strbuf.h — a string that grows as pieces are appended, for the builders of
 * pages and links. Once memory runs out it stays failed, so callers append
 * freely and check once, at strbuf_finish().
 */
#ifndef ACCESSD_STRBUF_H
#define ACCESSD_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *p;
	size_t len;
	size_t cap;
	int failed;
};

/* Makes room for n more bytes and the NUL. Returns 0, or -1 (and marks b
 * failed). */
int strbuf_reserve(struct strbuf *b, size_t n);

/* Appends n bytes of s, or the NUL-terminated s. */
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_add_str(struct strbuf *b, const char *s);

/* Appends printf-formatted text; on failure the buffer is marked failed. */
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The longest escape of one byte that strbuf_escape writes. */
#define STRBUF_UNIT_MAX 8

/*
 * Escapes the n bytes at in into out (cap bytes including the NUL; out may be
 * NULL when cap is 0), each byte as unit writes it into its second argument
 * (returning its length, at most STRBUF_UNIT_MAX). Writes whole units only:
 * when one does not fit, the output stops before it, so a truncated result is
 * still a valid, shorter escape. Returns the length the whole escape needs,
 * without the NUL, as snprintf does.
 */
size_t strbuf_escape(char *out, size_t cap, const char *in, size_t n,
		     size_t (*unit)(unsigned char c, char *escaped));

/* Hands the string to the caller (who frees it), its length in *len when len is
 * not NULL; or frees it and returns NULL when an append failed. */
char *strbuf_finish(struct strbuf *b, size_t *len);

#endif
