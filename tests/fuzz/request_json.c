/*
 * request_json.c — fuzzes the body of POST /api/v1/access-requests the way the
 * handler reads it: json_loadb with duplicate keys refused, an object only,
 * request_json_read, then requests_prepare against a fixed configuration, and
 * the problem's errors rendered as the reply would.
 *
 * Properties: every refusal names a field and says why; an accepted request
 * holds only values that pass the validators again (so nothing reaches the
 * database unchecked or cut short), and every given string field arrives whole:
 * jansson refuses "\u0000" unless asked with JSON_ALLOW_NUL, which the handler
 * does not do, so no C string here is cut at a NUL.
 */
#include "config.h"
#include "fuzz.h"
#include "request_json.h"
#include "requests.h"
#include "token.h"

static struct config cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] =
		"lookup_key = BSJG\n"
		"public_url = https://partner.example/base/\n"
		"partner_name = Acme Energy\n"
		"database = /nonexistent/accessd.db\n"
		"redirect_allow = https://partner.example http://127.0.0.1:8080\n";
	char err[512];

	(void)argc;
	(void)argv;
	if (token_init() != 0 || config_parse(&cfg, "fuzz.conf", text, sizeof text - 1, 0, err, sizeof err) != 0) {
		fprintf(stderr, "request_json: cannot set up: %s\n", err);
		abort();
	}
	return 0;
}

/* A given string field arrived whole and, once accepted, unchanged. */
static void check_string(json_t *body, const char *name, const char *stored)
{
	json_t *v = json_object_get(body, name);

	if (!json_is_string(v))
		return;
	FUZZ_CHECK(strlen(json_string_value(v)) == json_string_length(v));
	if (stored != NULL)
		FUZZ_CHECK(strcmp(stored, json_string_value(v)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t error;
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &error);
	struct request_input in;
	struct access_request r;
	const int64_t now = 1795000000;

	if (body == NULL) {
		FUZZ_CHECK(memchr(error.text, '\0', sizeof error.text) != NULL);
		return 0;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	json_t *errors = json_array();
	FUZZ_CHECK(errors != NULL);
	int read_ok = request_json_read(body, &in, errors) == 0;
	int prepared = requests_prepare(&r, &in, &cfg, now, errors) == 0;

	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		FUZZ_CHECK(json_is_string(json_object_get(e, "field")));
		FUZZ_CHECK(json_string_length(json_object_get(e, "message")) > 0);
	}
	char *reply = json_dumps(errors, JSON_COMPACT);
	FUZZ_CHECK(reply != NULL);
	free(reply);

	if (read_ok && prepared) {
		const char *why;
		FUZZ_CHECK(json_array_size(errors) == 0);
		FUZZ_CHECK(validate_text(r.reference, strlen(r.reference), REQUEST_REFERENCE_MAX, 1, &why) == 0);
		FUZZ_CHECK(validate_text(r.partner_name, strlen(r.partner_name), REQUEST_PARTNER_NAME_MAX, 0, &why) == 0);
		FUZZ_CHECK(validate_lang(r.lang, &why) == 0);
		char guid[VALIDATE_GUID_LEN + 1];
		FUZZ_CHECK(r.installation_id[0] == '\0' || validate_guid(r.installation_id, guid, &why) == 0);
		FUZZ_CHECK(r.installation_type == 1 || r.installation_id[0] != '\0');
		FUZZ_CHECK(r.return_to[0] == '\0' || validate_return_to(r.return_to, cfg.redirect_allow, cfg.redirect_allow_count, &why) == 0);
		FUZZ_CHECK(r.expires_at - r.created_at >= 60 && r.expires_at - r.created_at <= cfg.max_request_ttl);
		check_string(body, "reference", r.reference);
		check_string(body, "partnerName", r.partner_name);
		check_string(body, "lang", r.lang);
		check_string(body, "returnTo", r.return_to);
		check_string(body, "installationType", NULL);
		check_string(body, "installationId", NULL);

		json_t *obj = requests_json(&r, now);
		FUZZ_CHECK(obj != NULL && requests_add_links(obj, &r, "AAAAAAAAAAAAAAAAAAAAAA", &cfg) == 0);
		reply = json_dumps(obj, JSON_COMPACT);
		FUZZ_CHECK(reply != NULL);
		free(reply);
		json_decref(obj);
	} else {
		FUZZ_CHECK(json_array_size(errors) > 0);
	}
	json_decref(errors);
	json_decref(body);
	return 0;
}
