/*
 * callback.h — Zaptec's redirect back to us: /access-result/{token}?success=..
 * [&installationId=..]. Parsing the query is a pure function; recording the
 * outcome is one writer job that classifies the hit, changes the request and
 * the installation, and appends the event, all in one transaction.
 */
#ifndef ACCESSD_CALLBACK_H
#define ACCESSD_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include "installations.h"
#include "requests.h"

#define CALLBACK_MAX_QUERY 2048

/* How a hit on /access-result was classified (the event type's second part). */
enum callback_outcome {
	CALLBACK_GRANTED,
	CALLBACK_DENIED,
	CALLBACK_REPEATED,
	CALLBACK_INVALID,
	CALLBACK_UNKNOWN,
	CALLBACK_CONFLICT,
	CALLBACK_LATE,
	CALLBACK_CONTESTED, /* a grant of an installation bound to another customer */
	CALLBACK_FAILED,    /* not recorded: the database failed (503) */
	CALLBACK_OUTCOME_COUNT
};

/* "granted", "denied", ...; NULL for a number that is no outcome. */
const char *callback_outcome_name(int outcome);

/* The parsed query. */
struct callback_query {
	int valid;                 /* 0: problem says why */
	const char *problem;       /* a static sentence when not valid */
	int success;               /* 1 true, 0 false */
	int has_installation_id;
	char installation_id[VALIDATE_GUID_LEN + 1]; /* normalised */
};

/*
 * Parses a raw query string (after '?', len bytes, not decoded). Valid when it
 * holds exactly one "success" of true or false (any case) and, for true, exactly
 * one "installationId" that is a GUID. Duplicated or empty values of these, bad
 * percent escapes, %00 and a query over CALLBACK_MAX_QUERY bytes are invalid.
 * Parameters of other names are ignored (Zaptec may add some).
 */
void callback_parse_query(const char *raw, size_t len, struct callback_query *q);

/* One hit, from the handler to the writer and back. */
struct callback_job {
	/* in */
	int token_valid;
	unsigned char hash[TOKEN_HASH_LEN];
	struct callback_query query;
	char raw_query[CALLBACK_MAX_QUERY + 1];
	char client[64];
	int64_t grace;             /* callback_grace */
	int verify;                /* grants wait for the Zaptec API */
	/* out */
	enum callback_outcome kind;
	int found;
	struct access_request r;
	const char *problem;       /* CALLBACK_INVALID: why, a static sentence */
	const char *previous;      /* a grant that replaced this earlier answer, or NULL */
	int has_installation;      /* in holds the installation as the hit left it */
	struct installation in;
};

/*
 * The writer job: classifies and records the hit. The binding rule is decided
 * here, on the writer's connection inside its transaction, so it sees every
 * grant committed or pending before it: a grant naming an installation that is
 * verifying or granted under another request, whose reference differs or is
 * missing on either side, is contested and changes no installation. Returns 0,
 * or -1 when the database failed (nothing of it is kept).
 */
int callback_record(struct store *st, void *job);

#endif
