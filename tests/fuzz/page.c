/*
 * page.c — fuzzes the customer's result pages: the choice of language from a
 * request's lang, an Accept-Language header and the default, and the page
 * rendered with arbitrary partner name, installation id and name, returnTo and
 * support contact.
 *
 * Input: NUL-separated fields (request lang, Accept-Language, default lang,
 * partner, installation, installation name (also the support address),
 * returnTo (also the support link), kind). Properties: the language
 * is one of lang_supported; the page is as long as it says; and no field can
 * add markup: the page has exactly as many < > " ' characters as the same page
 * rendered with those characters of every field replaced by 'x'.
 */
#include "fuzz.h"
#include "lang.h"
#include "page.h"

#define FIELDS 4

/* s with every character HTML treats specially replaced by 'x' (caller frees). */
static char *defused(const char *s)
{
	char *out = strdup(s);

	FUZZ_CHECK(out != NULL);
	for (char *p = out; *p != '\0'; p++)
		if (strchr("<>\"'&", *p) != NULL)
			*p = 'x';
	return out;
}

static void count_specials(const char *page, size_t counts[4])
{
	memset(counts, 0, 4 * sizeof counts[0]);
	for (const char *p = page; *p != '\0'; p++) {
		const char *hit = strchr("<>\"'", *p);
		if (hit != NULL)
			counts[hit - "<>\"'"]++;
	}
}

static char *render(struct page_info *info)
{
	size_t len = 0;
	char *page = page_render(info, &len);

	FUZZ_CHECK(page != NULL && strlen(page) == len);
	return page;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields f;
	size_t a[4], b[4];

	if (fuzz_fields_split(&f, data, size) != 0)
		return 0;
	const char *lang = lang_pick(f.count > 0 ? f.field[0] : NULL, f.count > 1 ? f.field[1] : NULL,
					  f.count > 2 ? f.field[2] : NULL);
	int found = 0;
	for (size_t i = 0; lang_supported[i] != NULL; i++)
		found |= lang == lang_supported[i];
	FUZZ_CHECK(found);

	struct page_info info = {
		.kind = (enum page_kind)((unsigned char)f.field[7][0] % PAGE_KIND_COUNT),
		.lang = lang,
		.partner_name = f.count > 3 ? f.field[3] : NULL,
		.installation_id = f.count > 4 ? f.field[4] : NULL,
		.installation_name = f.count > 5 ? f.field[5] : NULL,
		.return_to = f.count > 6 ? f.field[6] : NULL,
	};
	info.support_email = info.installation_name;
	info.support_url = info.return_to;
	char *page = render(&info);
	char *safe[FIELDS] = {
		info.partner_name ? defused(info.partner_name) : NULL,
		info.installation_id ? defused(info.installation_id) : NULL,
		info.installation_name ? defused(info.installation_name) : NULL,
		info.return_to ? defused(info.return_to) : NULL,
	};
	info.partner_name = safe[0];
	info.installation_id = safe[1];
	info.installation_name = safe[2];
	info.return_to = safe[3];
	info.support_email = safe[2];
	info.support_url = safe[3];
	char *plain = render(&info);
	count_specials(page, a);
	count_specials(plain, b);
	FUZZ_CHECK(memcmp(a, b, sizeof a) == 0);

	/* The escape itself: complete when it fits, else cut before a whole entity
	 * or at the end of the buffer; never any special character. */
	char small[16];
	size_t need = page_escape_html(small, sizeof small, f.field[3]);
	char *escaped = malloc(need + 1);
	FUZZ_CHECK(escaped != NULL);
	FUZZ_CHECK(page_escape_html(escaped, need + 1, f.field[3]) == need && strlen(escaped) == need);
	size_t cut = strlen(small);
	FUZZ_CHECK(cut < sizeof small && strncmp(small, escaped, cut) == 0);
	FUZZ_CHECK(cut == need || escaped[cut] == '&' || cut == sizeof small - 1);
	FUZZ_CHECK(strpbrk(escaped, "<>\"'") == NULL);

	free(escaped);
	free(page);
	free(plain);
	for (size_t i = 0; i < FIELDS; i++)
		free(safe[i]);
	fuzz_fields_free(&f);
	return 0;
}
