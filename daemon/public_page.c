/*
 * public_page.c — the customer's page for an outcome: the request's language,
 * partner and return link, the installation by its Zaptec name when
 * verification has read it, and the configured support contact.
 */

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "installations.h"
#include "lang.h"
#include "public.h"
#include "requests.h"
#include "store.h"

/* Copies the installation's Zaptec name into name (cap bytes), or empties it
 * when the name is not known yet or cannot be read: the page then shows the id,
 * which is never worse than before. The name is shown only to the request the
 * installation is bound to: a customer whose grant was contested must not
 * learn the name another customer's installation has at Zaptec. */
static void installation_name(const char *installation_id, const struct access_request *r, char *name,
			      size_t cap)
{
	struct installation in;
	struct store *st = store_reader();

	name[0] = '\0';
	if (r == NULL || st == NULL || store_installation_find(st, installation_id, &in) != 1 ||
	    strcmp(in.request_id, r->id) != 0)
		return;
	snprintf(name, cap, "%s", in.name);
}

enum http_outcome public_page(struct http_request *req, unsigned status, enum page_kind kind,
			      const struct access_request *r, const char *installation_id)
{
	const struct config *cfg = http_ctx.cfg;
	/* A request created without a lang holds default_lang, which says nothing
	 * about the customer: then the browser's Accept-Language decides. */
	const char *request_lang = r && r->lang_given ? r->lang : NULL;
	char name[sizeof ((struct installation *)0)->name];
	int has_installation = installation_id != NULL && installation_id[0] != '\0';

	name[0] = '\0';
	if (has_installation)
		installation_name(installation_id, r, name, sizeof name);
	struct page_info info = {
		.kind = kind,
		.lang = lang_pick(request_lang, http_header(req, "Accept-Language"), cfg->default_lang),
		.partner_name = r ? r->partner_name : cfg->partner_name,
		.installation_id = has_installation ? installation_id : NULL,
		.installation_name = name[0] ? name : NULL,
		.return_to = r && r->return_to[0] ? r->return_to : NULL,
		.support_url = cfg->support_url,
		.support_email = cfg->support_email,
	};
	size_t len;
	char *html = page_render(&info, &len);
	if (html == NULL)
		return http_queue(req, status, NULL);
	return http_reply_html(req, status, html, len);
}

enum http_outcome public_not_found(struct http_request *req)
{
	return public_page(req, 404, PAGE_UNKNOWN, NULL, NULL);
}
