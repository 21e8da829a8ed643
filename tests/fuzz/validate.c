/*
 * validate.c — fuzzes the validators of network and file input: GUIDs,
 * language tags, text fields, origins and returnTo URLs.
 *
 * Input: NUL-separated fields; the whole input is also checked as one text
 * value. Properties: accepted GUIDs come out lowercase and canonical, a
 * canonical origin is a fixed point, a returnTo is accepted only on a listed
 * origin, and every refusal says why.
 */
#include <ctype.h>

#include "config.h"
#include "fuzz.h"
#include "validate.h"

static void check_guid(const char *s)
{
	char out[VALIDATE_GUID_LEN + 1];
	const char *why = NULL;

	if (validate_guid(s, out, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(strlen(out) == VALIDATE_GUID_LEN && strlen(s) == VALIDATE_GUID_LEN);
	for (size_t i = 0; i < VALIDATE_GUID_LEN; i++)
		FUZZ_CHECK(tolower((unsigned char)s[i]) == out[i]);
	FUZZ_CHECK(validate_guid(out, out, NULL) == 0);
}

/* Returns the canonical origin in out when s is one. */
static int check_origin(const char *s, char *out, size_t cap)
{
	char again[300];
	const char *why = NULL;

	if (validate_origin(s, out, cap, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return -1;
	}
	FUZZ_CHECK(strlen(out) < cap);
	FUZZ_CHECK(validate_origin(out, again, sizeof again, NULL) == 0 && strcmp(again, out) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields f;
	struct config cfg = { 0 };
	char origin[300], own[300];
	char *allow[] = { "https://partner.example", origin };
	const char *why = NULL;

	if (validate_text((const char *)data, size, 200, 0, &why) != 0)
		FUZZ_CHECK(why != NULL);
	if (validate_text((const char *)data, size, 100000, 1, NULL) == 0)
		FUZZ_CHECK(memchr(data, '\0', size) == NULL);
	if (fuzz_fields_split(&f, data, size) != 0)
		return 0;

	for (size_t i = 0; i < f.count; i++) {
		check_guid(f.field[i]);
		if (validate_lang(f.field[i], NULL) == 0)
			FUZZ_CHECK(strlen(f.field[i]) <= 35);
	}

	/* The first field as a configured origin, the second as a returnTo. */
	cfg.redirect_allow[0] = allow[0];
	cfg.redirect_allow_count = 1;
	if (check_origin(f.field[0], origin, sizeof origin) == 0) {
		cfg.redirect_allow[1] = allow[1];
		cfg.redirect_allow_count = 2;
	}
	(void)check_origin(f.field[0], origin, 8);
	why = NULL;
	if (validate_return_to(f.field[1], cfg.redirect_allow, cfg.redirect_allow_count, &why) == 0) {
		/* Accepted: its origin parses and is one of the listed two. */
		const char *authority = strstr(f.field[1], "://");
		FUZZ_CHECK(authority != NULL);
		authority += 3;
		size_t prefix = (size_t)(authority - f.field[1]) + strcspn(authority, "/?");
		char *head = strndup(f.field[1], prefix);
		FUZZ_CHECK(head != NULL);
		FUZZ_CHECK(validate_origin(head, own, sizeof own, NULL) == 0);
		FUZZ_CHECK(strcmp(own, "https://partner.example") == 0 ||
			   (cfg.redirect_allow_count == 2 && strcmp(own, origin) == 0));
		free(head);
	} else {
		FUZZ_CHECK(why != NULL);
	}
	fuzz_fields_free(&f);
	return 0;
}
