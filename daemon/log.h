/*
 * log.h — one line per event on stderr, in logfmt (key=value fields; values
 * that carry text are quoted and escaped). Under journald (JOURNAL_STREAM
 * names our stderr) each line starts with its syslog priority ("<3>" error,
 * "<4>" warning, "<6>" info, "<7>" debug) so the journal keeps the levels;
 * elsewhere it starts with ts=<RFC 3339 time>. Secrets never go here.
 */
#ifndef ACCESSD_LOG_H
#define ACCESSD_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Decides between journald and plain output, and sets the level. */
void log_init(enum log_level level);

/* Changes the level; safe from any thread (SIGHUP reload). */
void log_set_level(enum log_level level);

/* Whether a message at level would be written. */
int log_enabled(enum log_level level);

#define LOG_LINE_MAX 4096

/* Writes one line: "level=<name> " followed by the formatted fields. fmt is a
 * sequence of key=value fields separated by spaces; a value is a span of
 * literal text and printf conversions, or such a span in double quotes. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * Formats fmt's fields as log_write does, without the level and time, into
 * out (cap bytes, NUL-terminated): every value that passes text through (%s,
 * %c) or that fmt quotes is quoted and escaped; other values are bare when
 * they can be. At the end of the room a quoted value is cut but closed, and
 * a bare field that does not fit is left out, so the result is always valid
 * logfmt. Returns its length, or -1 for a conversion the logger
 * does not take (%n, %ls).
 */
int log_vformat(char *out, size_t cap, const char *fmt, va_list ap);

/* Parses "error", "warn", "info", "debug". Returns 0 or -1. */
int log_parse_level(const char *name, enum log_level *out);

/* "error", "warn", "info" or "debug". */
const char *log_level_name(enum log_level level);

#endif
