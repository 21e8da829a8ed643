/*
 * store_columns.h — the columns every read of a request, an installation, an
 * event or a webhook endpoint returns, in this order, on both engines: the
 * tables have the same columns there, and each engine's files read a row by
 * position. Only the engines' statement tables include this header.
 */
#ifndef ACCESSD_STORE_COLUMNS_H
#define ACCESSD_STORE_COLUMNS_H

#define REQUEST_COLUMNS                                                                    \
	"seq, id, reference, installation_type, installation_id, partner_name, lang, "   \
	"show_existing, return_to, status, created_at, expires_at, opened_at, "           \
	"completed_at, result_success, result_installation_id, lang_given, ttl"
#define INSTALLATION_COLUMNS                                                                \
	"seq, installation_id, status, installation_type, reference, request_id, "        \
	"granted_at, updated_at, revoked_at, verified_at, name, roles, last_error"
#define EVENT_COLUMNS "id, at, type, request_id, installation_id, reference, detail"
#define WEBHOOK_COLUMNS                                                                     \
	"id, url, types, description, enabled, created_at, secret, previous_secret, "      \
	"previous_secret_until, delivered_through, revision, attempts, next_attempt_ms, "  \
	"last_attempt_at, last_status, last_error, failing_since, disabled_at, "           \
	"disabled_reason, tests_requested, tests_sent"

#endif
