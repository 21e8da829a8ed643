/*
 * portal.c — fuzzes the portal link builder on arbitrary field values.
 *
 * Input: NUL-separated fields (portal URL, lookup key, partner name, lang,
 * installation id, public URL, token, flags). Properties: the percent-encoding
 * is as long as it says, holds only unreserved characters and %XX, and decodes
 * back to the input; a link is refused exactly when it is Pro without an
 * installation, and otherwise equals, byte for byte, the one built here from
 * the contract's recipe.
 */
#include "fuzz.h"
#include "portal.h"

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Encodes in, checks the encoding, and returns it (caller frees). */
static char *check_encode(const char *in, size_t len)
{
	size_t need = portal_percent_encode(NULL, 0, in, len);
	char *out = malloc(need + 1);
	char small[8];

	FUZZ_CHECK(out != NULL);
	FUZZ_CHECK(portal_percent_encode(out, need + 1, in, len) == need);
	FUZZ_CHECK(strlen(out) == need);
	/* A short buffer gets a terminated prefix of the same text, cut before an
	 * escape rather than inside one. */
	FUZZ_CHECK(portal_percent_encode(small, sizeof small, in, len) == need);
	size_t cut = strlen(small);
	FUZZ_CHECK(cut < sizeof small && strncmp(small, out, cut) == 0);
	FUZZ_CHECK(cut == need || out[cut] != '%' || cut + 3 > sizeof small - 1);
	FUZZ_CHECK(cut == need || out[cut] == '%' || cut == sizeof small - 1);

	size_t o = 0;
	for (size_t i = 0; i < need; i++, o++) {
		FUZZ_CHECK(o < len);
		if (out[i] == '%') {
			FUZZ_CHECK(i + 2 < need);
			int hi = hex(out[i + 1]), lo = hex(out[i + 2]);
			FUZZ_CHECK(hi >= 0 && lo >= 0);
			FUZZ_CHECK((unsigned char)in[o] == hi * 16 + lo && !unreserved((unsigned char)in[o]));
			i += 2;
		} else {
			FUZZ_CHECK(unreserved((unsigned char)out[i]) && out[i] == in[o]);
		}
	}
	FUZZ_CHECK(o == len);
	return out;
}

/* s without its trailing slashes, as a new string. */
static char *base(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	char *out = strndup(s, n);
	FUZZ_CHECK(out != NULL);
	return out;
}

/* Appends the percent-encoding of s to the growing string *out. */
static void append(char **out, const char *s, int encode)
{
	char *part = encode ? check_encode(s, strlen(s)) : strdup(s);
	size_t n = strlen(*out);

	FUZZ_CHECK(part != NULL);
	*out = realloc(*out, n + strlen(part) + 1);
	FUZZ_CHECK(*out != NULL);
	strcpy(*out + n, part);
	free(part);
}

/* Zaptec's code for a language as the contract says: the primary subtag (up to
 * the first '-' or '_') in lower case, and "no" for any Norwegian. */
static char *expected_lang(const char *lang)
{
	char *out = strndup(lang, strcspn(lang, "-_"));

	FUZZ_CHECK(out != NULL);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (strcmp(out, "nb") == 0 || strcmp(out, "nn") == 0)
		strcpy(out, "no");
	return out;
}

/* The link as the contract spells it, built here independently of portal.c. */
static char *expected_link(const struct portal_link *l)
{
	char *out = base(l->portal_url), *pub = base(l->public_url);
	int has_installation = l->installation_id != NULL && l->installation_id[0] != '\0';

	append(&out, "/access/request/", 0);
	append(&out, l->lookup_key, 1);
	append(&out, "?partnerName=", 0);
	append(&out, l->partner_name, 1);
	char *lang = expected_lang(l->lang);
	append(&out, "&lang=", 0);
	append(&out, lang, 1);
	free(lang);
	if (has_installation) {
		append(&out, "&installationId=", 0);
		append(&out, l->installation_id, 1);
	}
	append(&out, l->installation_type == PORTAL_TYPE_GO ? "&installationtype=1" : "&installationtype=0", 0);
	append(&out, "&returnUrl=", 0);
	append(&pub, "/access-result/", 0);
	append(&pub, l->token, 0);
	append(&out, pub, 1);
	if (l->show_existing)
		append(&out, "&showExisting=true", 0);
	free(pub);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields f;

	free(check_encode((const char *)data, size));
	if (fuzz_fields_split(&f, data, size) != 0)
		return 0;

	const char *flags = f.field[7];
	struct portal_link link = {
		.portal_url = f.field[0],
		.lookup_key = f.field[1],
		.partner_name = f.field[2],
		.lang = f.field[3],
		.installation_id = strchr(flags, 'n') ? NULL : f.field[4],
		.installation_type = strchr(flags, 'p') ? PORTAL_TYPE_PRO : PORTAL_TYPE_GO,
		.public_url = f.field[5],
		.token = f.field[6],
		.show_existing = strchr(flags, 's') != NULL,
	};
	char *url = portal_build_url(&link);
	int pro_without_id = link.installation_type == PORTAL_TYPE_PRO &&
			     (link.installation_id == NULL || link.installation_id[0] == '\0');
	FUZZ_CHECK((url == NULL) == pro_without_id);
	if (url != NULL) {
		char *want = expected_link(&link);
		FUZZ_CHECK(strcmp(url, want) == 0);
		free(want);
		free(url);
	}

	char *pub = base(link.public_url);
	char *want = strdup(pub);
	FUZZ_CHECK(want != NULL);
	append(&want, "/connect/", 0);
	append(&want, link.token, 0);
	char *got = portal_connect_url(link.public_url, link.token);
	FUZZ_CHECK(got != NULL && strcmp(got, want) == 0);
	free(got);
	free(want);
	free(pub);
	fuzz_fields_free(&f);
	return 0;
}
