/*
 * strbuf.c — a growing string.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

int strbuf_reserve(struct strbuf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (n >= (size_t)-1 / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (strbuf_reserve(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void strbuf_add_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

/* Formats into the room left, and when it did not fit grows the buffer to the
 * length vsnprintf asked for and formats again. */
void strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	for (int attempt = 0; attempt < 2 && !b->failed; attempt++) {
		size_t room = b->cap > b->len ? b->cap - b->len : 0;
		va_start(ap, fmt);
		int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if (strbuf_reserve(b, (size_t)n) != 0)
			return;
	}
}

char *strbuf_finish(struct strbuf *b, size_t *len)
{
	if (b->failed || b->p == NULL) {
		free(b->p);
		return NULL;
	}
	if (len)
		*len = b->len;
	return b->p;
}

size_t strbuf_escape(char *out, size_t cap, const char *in, size_t n,
		     size_t (*unit)(unsigned char c, char *escaped))
{
	size_t need = 0;
	int fits = 1;

	for (size_t i = 0; i < n; i++) {
		char escaped[STRBUF_UNIT_MAX];
		size_t len = unit((unsigned char)in[i], escaped);

		if (fits && need + len < cap) {
			memcpy(out + need, escaped, len);
		} else if (fits) {
			fits = 0;
			if (cap > 0)
				out[need] = '\0';
		}
		need += len;
	}
	if (fits && cap > 0)
		out[need] = '\0';
	return need;
}
