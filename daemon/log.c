/*
 * log.c — the daemon's log lines. Each line is built whole in a buffer and
 * written with one write(2), so lines from different threads never interleave.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

void log_write(enum log_level level, const char *fmt, ...)
{
	char line[4096];
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
		used = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
		used += (size_t)snprintf(line + used, sizeof line - used, "level=%s ", level_names[level]);
	}
	va_start(ap, fmt);
	int n = vsnprintf(line + used, sizeof line - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	used += (size_t)n;
	if (used > sizeof line - 2)
		used = sizeof line - 2; /* a truncated line is still one line */
	line[used++] = '\n';
	/* One write per line; a short write to stderr has nowhere better to go. */
	ssize_t ignored = write(STDERR_FILENO, line, used);
	(void)ignored;
}
