/*
 * public_page.c — the customer's page for an outcome.
 */

#include "config.h"
#include "public.h"
#include "requests.h"

enum http_outcome public_page(struct http_request *req, unsigned status, enum page_kind kind,
			      const struct access_request *r, const char *installation_id)
{
	return public_page_named(req, status, kind, r, installation_id, NULL);
}

enum http_outcome public_page_named(struct http_request *req, unsigned status, enum page_kind kind,
				    const struct access_request *r, const char *installation_id,
				    const char *installation_name)
{
	const struct config *cfg = http_ctx.cfg;
	/* A request created without a lang holds default_lang, which says nothing
	 * about the customer: then the browser's Accept-Language decides. */
	const char *request_lang = r && r->lang_given ? r->lang : NULL;
	struct page_info info = {
		.kind = kind,
		.lang = page_pick_lang(request_lang, http_header(req, "Accept-Language"), cfg->default_lang),
		.partner_name = r ? r->partner_name : cfg->partner_name,
		.installation_id = installation_id && installation_id[0] ? installation_id : NULL,
		.installation_name = installation_name && installation_name[0] ? installation_name : NULL,
		.reference = r && r->reference[0] ? r->reference : NULL,
		.return_to = r && r->return_to[0] ? r->return_to : NULL,
	};
	size_t len;
	char *html = page_render(&info, &len);
	if (html == NULL)
		return http_queue(req, status, NULL);
	return http_reply_html(req, status, html, len);
}
