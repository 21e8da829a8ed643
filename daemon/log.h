/*
 * log.h — one line per event on stderr, as key=value fields. Under journald
 * (JOURNAL_STREAM names our stderr) each line starts with its syslog priority
 * ("<3>" error, "<4>" warning, "<6>" info, "<7>" debug) so the journal keeps the
 * levels; elsewhere it starts with an RFC 3339 timestamp. Secrets never go here.
 */
#ifndef ACCESSD_LOG_H
#define ACCESSD_LOG_H

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Decides between journald and plain output, and sets the level. */
void log_init(enum log_level level);

/* Changes the level; safe from any thread (SIGHUP reload). */
void log_set_level(enum log_level level);

/* Whether a message at level would be written. */
int log_enabled(enum log_level level);

/* Writes one line: "level=<name> " followed by the formatted fields. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Parses "error", "warn", "info", "debug". Returns 0 or -1. */
int log_parse_level(const char *name, enum log_level *out);

#endif
