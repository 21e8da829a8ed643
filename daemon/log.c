/*
 * log.c — the daemon's log lines. Each line is built whole in a buffer and
 * written with one write(2), so lines from different threads never interleave.
 *
 * Every line is valid logfmt: callers write printf formats of key=value
 * fields, and this file formats each value on its own and decides how to
 * write it. A value that passes text through (a %s or %c conversion), or that
 * the format put in quotes, is always written in double quotes with '"', '\\'
 * and control characters escaped (\" \\ \n \r \t \u00XX) and invalid UTF-8
 * replaced by U+FFFD; so a quote in an error message or a newline in a
 * client's header can never end a value or a line early. A value made only of
 * the format's own words and numbers stays bare when it needs no quoting.
 */
#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/types.h>
#include <unistd.h>

#include "log.h"

static atomic_int current_level = LOG_LEVEL_INFO;
static int to_journal;

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const char *const journal_prefixes[] = { "<3>", "<4>", "<6>", "<7>" };

/* JOURNAL_STREAM holds "device:inode" of the stream journald gave us; it only
 * counts when stderr is still that stream (not redirected by a wrapper). */
static int stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_level level)
{
	to_journal = stderr_is_journal();
	log_set_level(level);
}

void log_set_level(enum log_level level)
{
	atomic_store(&current_level, (int)level);
}

int log_enabled(enum log_level level)
{
	return (int)level <= atomic_load(&current_level);
}

const char *log_level_name(enum log_level level)
{
	assert((unsigned)level < sizeof level_names / sizeof level_names[0]);
	return level_names[level];
}

int log_parse_level(const char *name, enum log_level *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* The line being built: writes that do not fit set full and change nothing. */
struct line {
	char *p;
	size_t len, cap;
	int full;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (l->full || n > l->cap - l->len) {
		l->full = 1;
		return;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Writes value in double quotes, escaped. Each character goes in whole or not
 * at all, and one byte stays free for the closing quote, so a value cut short
 * by the end of the line still closes. Returns 1 when it was cut, else 0
 * (0 with full set when not even the quotes fit).
 */
static int put_quoted(struct line *l, const char *value, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)value;

	if (l->full || l->cap - l->len < 2) {
		l->full = 1;
		return 0;
	}
	l->p[l->len++] = '"';
	for (size_t i = 0; i < n;) {
		char esc[6];
		const char *unit = esc;
		size_t len = 1, used = 1;

		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\', esc[1] = (char)s[i], len = 2;
		} else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
			esc[0] = '\\', esc[1] = s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r' : 't', len = 2;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[s[i] >> 4], esc[5] = hex[s[i] & 15], len = 6;
		} else if (s[i] < 0x80) {
			unit = (const char *)s + i;
		} else if ((used = utf8_len(s + i, n - i)) > 0) {
			unit = (const char *)s + i, len = used;
		} else {
			unit = "\xef\xbf\xbd", len = 3, used = 1; /* U+FFFD for a stray byte */
		}
		if (len + 1 > l->cap - l->len) {
			l->p[l->len++] = '"';
			return 1;
		}
		memcpy(l->p + l->len, unit, len);
		l->len += len;
		i += used;
	}
	l->p[l->len++] = '"';
	return 0;
}

/* Whether value can stand bare: not empty, printable ASCII without space,
 * '=', '"' or '\\'. */
static int is_bare(const char *value, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c <= ' ' || c >= 0x7f || c == '=' || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T, LEN_BIG_L };

/* snprintf of one conversion spec with its optional '*' width and precision. */
#define FORMAT_ONE(value)                                                                          \
	(star_w && star_p ? snprintf(out, cap, spec, width, prec, value)                           \
	 : star_w         ? snprintf(out, cap, spec, width, value)                                 \
	 : star_p         ? snprintf(out, cap, spec, prec, value)                                  \
			  : snprintf(out, cap, spec, value))

/*
 * Formats the one conversion at *fmt (just after its '%') with the next
 * argument of ap into out (cap bytes), advancing *fmt past it. Sets *text when
 * the conversion passes text through (%s, %c). Returns the length written or
 * that would have been, or -1 for a conversion the logger does not take.
 */
static int format_conversion(const char **fmt, va_list *ap, char *out, size_t cap, int *text)
{
	const char *p = *fmt;
	char spec[32];
	size_t sn = 0;
	int star_w = 0, star_p = 0, width = 0, prec = 0, n;
	enum length length = LEN_NONE;

	spec[sn++] = '%';
	while (*p && strchr("-+ #0", *p) && sn < 8)
		spec[sn++] = *p++;
	if (*p == '*') {
		star_w = 1, width = va_arg(*ap, int);
		spec[sn++] = *p++;
	}
	while (*p >= '0' && *p <= '9' && sn < 16)
		spec[sn++] = *p++;
	if (*p == '.') {
		spec[sn++] = *p++;
		if (*p == '*') {
			star_p = 1, prec = va_arg(*ap, int);
			spec[sn++] = *p++;
		}
		while (*p >= '0' && *p <= '9' && sn < 24)
			spec[sn++] = *p++;
	}
	if (p[0] == 'h' && p[1] == 'h')
		length = LEN_HH, spec[sn++] = *p++, spec[sn++] = *p++;
	else if (p[0] == 'l' && p[1] == 'l')
		length = LEN_LL, spec[sn++] = *p++, spec[sn++] = *p++;
	else if (*p && strchr("hlzjtL", *p))
		length = *p == 'h' ? LEN_H : *p == 'l' ? LEN_L : *p == 'z' ? LEN_Z : *p == 'j' ? LEN_J
		       : *p == 't' ? LEN_T : LEN_BIG_L, spec[sn++] = *p++;
	char conv = *p;
	if (conv == '\0')
		return -1;
	spec[sn++] = *p++;
	spec[sn] = '\0';
	*fmt = p;

	switch (conv) {
	case 'd': case 'i':
		switch (length) {
		case LEN_L: n = FORMAT_ONE(va_arg(*ap, long)); break;
		case LEN_LL: n = FORMAT_ONE(va_arg(*ap, long long)); break;
		case LEN_Z: n = FORMAT_ONE(va_arg(*ap, ssize_t)); break;
		case LEN_J: n = FORMAT_ONE(va_arg(*ap, intmax_t)); break;
		case LEN_T: n = FORMAT_ONE(va_arg(*ap, ptrdiff_t)); break;
		default: n = FORMAT_ONE(va_arg(*ap, int)); break;
		}
		return n;
	case 'u': case 'x': case 'X': case 'o':
		switch (length) {
		case LEN_L: n = FORMAT_ONE(va_arg(*ap, unsigned long)); break;
		case LEN_LL: n = FORMAT_ONE(va_arg(*ap, unsigned long long)); break;
		case LEN_Z: case LEN_T: n = FORMAT_ONE(va_arg(*ap, size_t)); break;
		case LEN_J: n = FORMAT_ONE(va_arg(*ap, uintmax_t)); break;
		default: n = FORMAT_ONE(va_arg(*ap, unsigned)); break;
		}
		return n;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
		if (length == LEN_BIG_L)
			return FORMAT_ONE(va_arg(*ap, long double));
		return FORMAT_ONE(va_arg(*ap, double));
	case 'c':
		*text = 1;
		return FORMAT_ONE(va_arg(*ap, int));
	case 's': {
		const char *s = va_arg(*ap, const char *);
		*text = 1;
		return FORMAT_ONE(s ? s : "");
	}
	case 'p':
		return FORMAT_ONE(va_arg(*ap, void *));
	default:
		return -1;
	}
}

/*
 * Formats the fmt bytes [span, span + n) — literal text and conversions —
 * into out (cap bytes, always NUL-terminated, cut when too long). Returns the
 * length written, or -1 for a conversion the logger does not take.
 */
static int format_span(const char *span, size_t n, va_list *ap, char *out, size_t cap, int *text)
{
	const char *p = span, *end = span + n;
	size_t len = 0;

	out[0] = '\0';
	while (p < end) {
		if (*p != '%') {
			if (len + 1 < cap)
				out[len++] = *p;
			p++;
			continue;
		}
		if (p[1] == '%') {
			if (len + 1 < cap)
				out[len++] = '%';
			p += 2;
			continue;
		}
		p++;
		int k = format_conversion(&p, ap, out + len, cap - len, text);
		if (k < 0)
			return -1;
		len += (size_t)k < cap - len ? (size_t)k : cap - len - 1;
	}
	out[len] = '\0';
	return (int)len;
}

int log_vformat(char *out, size_t cap, const char *fmt, va_list ap)
{
	struct line l = { out, 0, cap > 0 ? cap - 1 : 0, cap == 0 };
	char value[LOG_LINE_MAX];
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p && !l.full;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		size_t mark = l.len;
		if (mark > 0)
			put(&l, " ", 1);
		const char *key = p;
		while (*p && *p != '=' && *p != ' ')
			p++;
		put(&l, key, (size_t)(p - key));
		if (*p != '=')
			continue; /* a bare word of the format's own */
		put(&l, "=", 1);
		p++;
		/* The value's span: up to the closing quote if the format quotes it,
		 * else up to the next space of the format. */
		int quoted = *p == '"', text = 0;
		const char *span = quoted ? p + 1 : p;
		const char *end = quoted ? strchr(span, '"') : span + strcspn(span, " ");
		if (end == NULL)
			end = span + strlen(span);
		int n = format_span(span, (size_t)(end - span), &args, value, sizeof value, &text);
		p = quoted && *end == '"' ? end + 1 : end;
		if (n < 0) {
			va_end(args);
			return -1;
		}
		if (quoted || text || !is_bare(value, (size_t)n)) {
			if (put_quoted(&l, value, (size_t)n))
				break; /* cut at the end of the line: nothing more fits */
		} else {
			put(&l, value, (size_t)n);
		}
		if (l.full)
			l.len = mark; /* a field that does not fit at all is left out */
	}
	va_end(args);
	if (cap > 0)
		out[l.len] = '\0';
	return (int)l.len;
}

void log_write(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	size_t used;
	va_list ap;

	if (!log_enabled(level))
		return;
	if (to_journal) {
		used = (size_t)snprintf(line, sizeof line, "%slevel=%s ", journal_prefixes[level],
					level_names[level]);
	} else {
		struct timespec now;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		used = strftime(line, sizeof line, "ts=%Y-%m-%dT%H:%M:%SZ ", &tm);
		used += (size_t)snprintf(line + used, sizeof line - used, "level=%s ", level_names[level]);
	}
	va_start(ap, fmt);
	int n = log_vformat(line + used, sizeof line - used - 1, fmt, ap);
	va_end(ap);
	/* A format the logger cannot read is our own mistake: say so, in logfmt. */
	if (n < 0)
		n = snprintf(line + used, sizeof line - used - 1, "event=log.bad_format");
	used += (size_t)n;
	line[used++] = '\n';
	/* One write per line; a short write to stderr has nowhere better to go. */
	ssize_t ignored = write(STDERR_FILENO, line, used);
	(void)ignored;
}
