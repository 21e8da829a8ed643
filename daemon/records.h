/*
 * records.h — the rows the store reads and writes, as plain structures: what
 * the domain modules and the store's engines share, with no engine in sight.
 */
#ifndef ACCESSD_RECORDS_H
#define ACCESSD_RECORDS_H

#include <stdint.h>

#include "token.h"
#include "validate.h"

#define REQUEST_REFERENCE_MAX 200    /* characters */
#define REQUEST_PARTNER_NAME_MAX 100 /* characters */
#define REQUEST_RETURN_TO_MAX 2048   /* bytes */
#define REQUEST_LANG_MAX 35

/* One access request. Optional strings are empty when not set; times are Unix
 * seconds, 0 when not set. Fixed buffers: no allocation per request. */
struct access_request {
	int64_t seq;
	char id[TOKEN_ID_LEN + 1];
	char reference[REQUEST_REFERENCE_MAX * 4 + 1];
	int installation_type;                 /* 0 Pro, 1 Go/Home */
	char installation_id[VALIDATE_GUID_LEN + 1];
	char partner_name[REQUEST_PARTNER_NAME_MAX * 4 + 1];
	char lang[REQUEST_LANG_MAX + 1];
	int lang_given;                        /* lang was asked for, not default_lang */
	int show_existing;
	char return_to[REQUEST_RETURN_TO_MAX + 1];
	char status[16];                       /* as stored */
	int64_t created_at, expires_at, opened_at, completed_at;
	int result_success;                    /* -1 none, 0 denied, 1 granted or contested */
	char result_installation_id[VALIDATE_GUID_LEN + 1];
	int64_t ttl;                           /* the lifetime it was created with, seconds */
};

/* One installation. Optional strings are empty, times 0, numbers -1 when not
 * set. */
struct installation {
	int64_t seq;
	char installation_id[VALIDATE_GUID_LEN + 1];
	char status[16];
	int installation_type;
	char reference[801];
	char request_id[TOKEN_ID_LEN + 1];
	int64_t granted_at, updated_at, revoked_at, verified_at;
	char name[1024];
	int64_t roles;
	char last_error[512];
};

/* One event as read back. The strings are borrowed from the store for the
 * length of the visit; absent ones are NULL. detail is JSON text. */
struct event_record {
	int64_t id, at;
	const char *type, *request_id, *installation_id, *reference, *detail;
};

/* One verification waiting in the queue; queued_at and attempts identify this
 * round of it, since a grant queued again resets them. */
struct verification_due {
	char installation_id[VALIDATE_GUID_LEN + 1];
	int64_t queued_at;
	int attempts;
};

#endif
