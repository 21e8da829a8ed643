/*
 * timestamp.h — times as the API shows them: RFC 3339 UTC with seconds
 * ("2026-11-28T10:00:00Z"), and stored as Unix seconds.
 */
#ifndef ACCESSD_TIMESTAMP_H
#define ACCESSD_TIMESTAMP_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#define TIMESTAMP_LEN 20

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" and a NUL. */
void timestamp_format(int64_t t, char out[TIMESTAMP_LEN + 1]);

/* Parses an RFC 3339 time ("2026-11-28T10:00:00Z", a fraction and a numeric
 * offset allowed) into Unix seconds. Returns 0 or -1. */
int timestamp_parse(const char *text, int64_t *out);

/* A JSON string for t, or JSON null when t is 0 (not set). */
json_t *timestamp_json(int64_t t);

/* The current time in Unix seconds. */
int64_t timestamp_now(void);

/* Nanoseconds on the monotonic clock: for durations and deadlines, which a
 * change of the wall clock must not stretch or cut. */
uint64_t timestamp_monotonic_ns(void);

/* The monotonic time seconds from now, as the timespec pthread_cond_timedwait
 * wants of a condition whose clock is CLOCK_MONOTONIC. */
struct timespec timestamp_monotonic_after(double seconds);

#endif
