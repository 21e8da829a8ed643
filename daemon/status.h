/*
 * status.h — the statuses of access requests and installations, each one
 * enum with its names: the names are what the store keeps, the API shows and
 * /metrics labels, spelt in this one place.
 */
#ifndef ACCESSD_STATUS_H
#define ACCESSD_STATUS_H

enum status_request {
	STATUS_REQUEST_PENDING,
	STATUS_REQUEST_OPENED,
	STATUS_REQUEST_GRANTED,
	STATUS_REQUEST_DENIED,
	STATUS_REQUEST_EXPIRED,
	STATUS_REQUEST_CANCELLED,
	STATUS_REQUEST_CONTESTED,
	STATUS_REQUEST_COUNT
};

enum status_installation {
	STATUS_INSTALLATION_VERIFYING,
	STATUS_INSTALLATION_GRANTED,
	STATUS_INSTALLATION_UNCONFIRMED,
	STATUS_INSTALLATION_REVOKED,
	STATUS_INSTALLATION_COUNT
};

/* The names in enum order, each list ended by NULL. */
extern const char *const status_request_names[STATUS_REQUEST_COUNT + 1];
extern const char *const status_installation_names[STATUS_INSTALLATION_COUNT + 1];

/* Whether a stored status text is the given status. */
int status_request_is(const char *status, enum status_request which);
int status_installation_is(const char *status, enum status_installation which);

#endif
