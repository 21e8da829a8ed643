/*
 * status.c — the names of the request and installation statuses.
 */
#include <assert.h>
#include <string.h>

#include "status.h"

const char *const status_request_names[STATUS_REQUEST_COUNT + 1] = {
	[STATUS_REQUEST_PENDING] = "pending",     [STATUS_REQUEST_OPENED] = "opened",
	[STATUS_REQUEST_GRANTED] = "granted",     [STATUS_REQUEST_DENIED] = "denied",
	[STATUS_REQUEST_EXPIRED] = "expired",     [STATUS_REQUEST_CANCELLED] = "cancelled",
	[STATUS_REQUEST_CONTESTED] = "contested", [STATUS_REQUEST_COUNT] = NULL,
};

const char *const status_installation_names[STATUS_INSTALLATION_COUNT + 1] = {
	[STATUS_INSTALLATION_VERIFYING] = "verifying", [STATUS_INSTALLATION_GRANTED] = "granted",
	[STATUS_INSTALLATION_UNCONFIRMED] = "unconfirmed", [STATUS_INSTALLATION_REVOKED] = "revoked",
	[STATUS_INSTALLATION_COUNT] = NULL,
};

int status_request_is(const char *status, enum status_request which)
{
	assert((unsigned)which < STATUS_REQUEST_COUNT);
	return strcmp(status, status_request_names[which]) == 0;
}

int status_installation_is(const char *status, enum status_installation which)
{
	assert((unsigned)which < STATUS_INSTALLATION_COUNT);
	return strcmp(status, status_installation_names[which]) == 0;
}
