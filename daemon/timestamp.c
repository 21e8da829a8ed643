/*
 * timestamp.c — RFC 3339 formatting and parsing.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timestamp.h"

void timestamp_format(int64_t t, char out[TIMESTAMP_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, TIMESTAMP_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *timestamp_json(int64_t t)
{
	char text[TIMESTAMP_LEN + 1];
	if (t == 0)
		return json_null();
	timestamp_format(t, text);
	return json_string(text);
}

int64_t timestamp_now(void)
{
	return (int64_t)time(NULL);
}

uint64_t timestamp_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct timespec timestamp_monotonic_after(double seconds)
{
	uint64_t at = timestamp_monotonic_ns() + (uint64_t)(seconds > 0 ? seconds * 1e9 : 0);
	return (struct timespec){ .tv_sec = (time_t)(at / 1000000000u), .tv_nsec = (long)(at % 1000000000u) };
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int timestamp_parse(const char *text, int64_t *out)
{
	const char *p = text;
	int y, mo, d, h, mi, s;
	struct tm tm;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || (*p != 'T' && *p != 't') || !*p++ || digits(&p, 2, &h) ||
	    *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &s))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	int offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = (int64_t)timegm(&tm) - offset;
	return 0;
}
