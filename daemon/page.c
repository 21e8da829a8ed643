/*
 * page.c — the HTML pages the customer's browser sees after Zaptec sends it back,
 * and on /connect when there is nothing to redirect to.
 *
 * A page is one small HTML5 document: a card with an icon and a colour for the
 * outcome, a heading, one sentence, the installation when known (by its Zaptec
 * name once verification has read it), a button back to the partner when there
 * is one, and — on every page that is not a success — where to get help: the
 * configured support link and address, or else the partner's name. The
 * partner's reference is its own internal id and never appears. A page loads
 * nothing: one <style> element (constant, so the same CSS serves every page and
 * a CSP of "style-src 'unsafe-inline'" or its hash allows it), an inline SVG
 * icon, no script, no style attributes. Every value that is not ours — partner
 * name, installation, links, the support address — and the translated text
 * itself is HTML-escaped on the way in. The words live in i18n.c.
 */
#include "page.h"
#include "strbuf.h"
#include "i18n.h"
#include "lang.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

enum tone { TONE_OK, TONE_NO, TONE_WARN, TONE_ERROR };
enum icon { ICON_CHECK, ICON_CROSS, ICON_CLOCK, ICON_ALERT };

/* The kinds that report a success, the only ones without the help line: any
 * other kind, and so any kind added later, tells the customer where to get help. */
static const enum page_kind success_kinds[] = { PAGE_GRANTED, PAGE_ALREADY_GRANTED };

/* What each kind of page says and how it looks. text_anon is the sentence for an
 * unknown partner; kinds whose sentence names no partner use text for both.
 * closing pages say "you can close this page" when there is no way back. */
static const struct {
	enum i18n_msg heading;
	enum i18n_msg text;
	enum i18n_msg text_anon;
	enum tone tone;
	enum icon icon;
	int closing;
} kinds[PAGE_KIND_COUNT] = {
	[PAGE_GRANTED] = { I18N_GRANTED_HEADING, I18N_GRANTED_TEXT,
			   I18N_GRANTED_TEXT_ANON, TONE_OK, ICON_CHECK, 1 },
	[PAGE_DENIED] = { I18N_DENIED_HEADING, I18N_DENIED_TEXT,
			  I18N_DENIED_TEXT_ANON, TONE_NO, ICON_CROSS, 1 },
	[PAGE_ALREADY_GRANTED] = { I18N_ALREADY_GRANTED_HEADING, I18N_ALREADY_GRANTED_TEXT,
				   I18N_ALREADY_GRANTED_TEXT_ANON, TONE_OK, ICON_CHECK, 1 },
	[PAGE_EXPIRED] = { I18N_EXPIRED_HEADING, I18N_EXPIRED_TEXT,
			   I18N_EXPIRED_TEXT_ANON, TONE_WARN, ICON_CLOCK, 0 },
	[PAGE_CANCELLED] = { I18N_CANCELLED_HEADING, I18N_CANCELLED_TEXT,
			     I18N_CANCELLED_TEXT_ANON, TONE_WARN, ICON_CLOCK, 0 },
	[PAGE_LATE] = { I18N_LATE_HEADING, I18N_LATE_TEXT,
			I18N_LATE_TEXT_ANON, TONE_WARN, ICON_CLOCK, 0 },
	[PAGE_CONFLICT] = { I18N_CONFLICT_HEADING, I18N_CONFLICT_TEXT,
			    I18N_CONFLICT_TEXT, TONE_WARN, ICON_ALERT, 0 },
	[PAGE_INVALID] = { I18N_INVALID_HEADING, I18N_INVALID_TEXT,
			   I18N_INVALID_TEXT, TONE_ERROR, ICON_ALERT, 0 },
	[PAGE_UNKNOWN] = { I18N_UNKNOWN_HEADING, I18N_UNKNOWN_TEXT,
			   I18N_UNKNOWN_TEXT_ANON, TONE_ERROR, ICON_ALERT, 0 },
	[PAGE_UNAVAILABLE] = { I18N_UNAVAILABLE_HEADING, I18N_UNAVAILABLE_TEXT,
			       I18N_UNAVAILABLE_TEXT, TONE_ERROR, ICON_ALERT, 0 },
	[PAGE_VERIFYING] = { I18N_VERIFYING_HEADING, I18N_VERIFYING_TEXT,
			     I18N_VERIFYING_TEXT_ANON, TONE_OK, ICON_CLOCK, 1 },
	[PAGE_CONTESTED] = { I18N_CONTESTED_HEADING, I18N_CONTESTED_TEXT,
			     I18N_CONTESTED_TEXT_ANON, TONE_WARN, ICON_ALERT, 0 },
};

static const char *const tone_class[] = {
	[TONE_OK] = "ok", [TONE_NO] = "no", [TONE_WARN] = "warn", [TONE_ERROR] = "err",
};

/* Stroke-drawn 24x24 icons; the colour comes from the card's tone. */
static const char *const icon_svg[] = {
	[ICON_CHECK] = "<path d=\"M5 12.5l4.5 4.5L19 7.5\"/>",
	[ICON_CROSS] = "<path d=\"M7 7l10 10M17 7L7 17\"/>",
	[ICON_CLOCK] = "<circle cx=\"12\" cy=\"12\" r=\"8.5\"/><path d=\"M12 7.5V12l3 2\"/>",
	[ICON_ALERT] = "<path d=\"M12 6.5v7M12 17.5v.01\"/>",
};

static const char page_css[] =
	":root{color-scheme:light dark;--bg:#f2f4f7;--card:#fff;--text:#1c2128;"
	"--muted:#596270;--line:#dde2e8}"
	"*{box-sizing:border-box}"
	"body{margin:0;min-height:100vh;display:flex;align-items:center;"
	"justify-content:center;padding:20px;background:var(--bg);color:var(--text);"
	"font:18px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\","
	"Arial,sans-serif;-webkit-text-size-adjust:100%}"
	"main{width:100%;max-width:30rem;background:var(--card);border-radius:18px;"
	"border-top:6px solid var(--tone);padding:32px 24px 28px;text-align:center;"
	"box-shadow:0 1px 3px rgba(0,0,0,.08),0 10px 30px rgba(0,0,0,.07)}"
	".icon{width:76px;height:76px;margin:0 auto 18px;border-radius:50%;"
	"display:flex;align-items:center;justify-content:center;"
	"background:var(--tone-bg);color:var(--tone)}"
	".icon svg{width:42px;height:42px;fill:none;stroke:currentColor;stroke-width:2.5;"
	"stroke-linecap:round;stroke-linejoin:round}"
	"h1{font-size:1.65rem;line-height:1.25;margin:0 0 12px;overflow-wrap:anywhere}"
	"p{margin:0;overflow-wrap:anywhere}"
	"dl{margin:24px 0 0;text-align:left;border-top:1px solid var(--line)}"
	"dl div{padding:10px 0;border-bottom:1px solid var(--line)}"
	"dt{font-size:.85rem;color:var(--muted)}"
	"dd{margin:0;overflow-wrap:anywhere}"
	".id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95rem}"
	"a{display:block;margin-top:28px;padding:15px 20px;border-radius:12px;"
	"background:var(--text);color:var(--card);text-decoration:none;font-weight:600;"
	"overflow-wrap:anywhere}"
	"a:focus-visible{outline:3px solid var(--tone);outline-offset:3px}"
	".hint{margin-top:24px;color:var(--muted);font-size:.95rem}"
	".help{margin-top:24px;padding-top:18px;border-top:1px solid var(--line);font-size:.95rem}"
	".help a{display:inline;margin:0;padding:0;border-radius:0;background:none;"
	"color:inherit;text-decoration:underline;font-weight:600}"
	".help span{display:block;margin-top:6px}"
	".ok{--tone:#1a7f37;--tone-bg:#dcf5e3}"
	".no{--tone:#5c6570;--tone-bg:#e8ecf0}"
	".warn{--tone:#9a6100;--tone-bg:#fdf1cf}"
	".err{--tone:#c62430;--tone-bg:#fde5e6}"
	"@media (prefers-color-scheme:dark){"
	":root{--bg:#0e1116;--card:#181d24;--text:#e8ecf1;--muted:#9aa3ad;--line:#2e3640}"
	".ok{--tone:#46c266;--tone-bg:#15301f}"
	".no{--tone:#a3acb6;--tone-bg:#262d36}"
	".warn{--tone:#e3a530;--tone-bg:#352a12}"
	".err{--tone:#f06a70;--tone-bg:#3a1a1d}}";

/* The entity for c, or NULL when c stands for itself. */
static const char *entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

/* Writes c as HTML text: its entity, or c itself. Returns the length. */
static size_t html_unit(unsigned char c, char *escaped)
{
	const char *e = entity((char)c);
	size_t len = e ? strlen(e) : 1;

	if (e)
		memcpy(escaped, e, len);
	else
		escaped[0] = (char)c;
	return len;
}

/* Escapes the n bytes at s into out (cap bytes including the NUL), so that a
 * truncated result never ends in half an entity; as strbuf_escape. */
static size_t escape_into(char *out, size_t cap, const char *s, size_t n)
{
	return strbuf_escape(out, cap, s, n, html_unit);
}

size_t page_escape_html(char *out, size_t cap, const char *s)
{
	if (s == NULL)
		s = "";
	return escape_into(out, cap, s, strlen(s));
}

/* Appends the n bytes at s, HTML-escaped. */
static void buf_escaped_n(struct strbuf *b, const char *s, size_t n)
{
	size_t need = escape_into(NULL, 0, s, n);

	if (strbuf_reserve(b, need) < 0)
		return;
	escape_into(b->p + b->len, need + 1, s, n);
	b->len += need;
}

static void buf_escaped(struct strbuf *b, const char *s)
{
	buf_escaped_n(b, s, strlen(s));
}

/*
 * Appends a translated text, escaped, with each "{partner}" replaced by the
 * escaped partner name. The text is data, never a format string: nothing else in
 * it has a meaning, so a stray brace in a translation shows as a brace.
 */
static void buf_text(struct strbuf *b, const char *text, const char *partner)
{
	static const char placeholder[] = "{partner}";
	const size_t plen = sizeof placeholder - 1;
	const char *at;

	while ((at = strstr(text, placeholder)) != NULL) {
		buf_escaped_n(b, text, (size_t)(at - text));
		if (partner != NULL)
			buf_escaped(b, partner);
		text = at + plen;
	}
	buf_escaped(b, text);
}

/* The message in lang, or in English when the table lacks it. */
static const char *msg(const char *lang, enum i18n_msg id)
{
	const char *s = i18n_lookup(lang, id);

	if (s == NULL)
		s = i18n_lookup("en", id);
	assert(s != NULL);
	return s;
}

/* A value worth showing: present and not empty. */
static const char *shown(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static void render_detail(struct strbuf *b, const char *label, const char *value, int is_id)
{
	strbuf_add_str(b, "<div><dt>");
	buf_escaped(b, label);
	strbuf_add_str(b, is_id ? "</dt><dd class=\"id\">" : "</dt><dd>");
	buf_escaped(b, value);
	strbuf_add_str(b, "</dd></div>\n");
}

/* The help line: the configured support link and address, each on its own
 * line under a sentence that names the partner, or, when neither is set, a
 * sentence saying to contact the partner. */
static void render_help(struct strbuf *b, const char *lang, const struct page_info *info,
			const char *partner)
{
	const char *url = shown(info->support_url);
	const char *email = shown(info->support_email);

	strbuf_add_str(b, "<p class=\"help\">");
	if (url == NULL && email == NULL) {
		buf_text(b, msg(lang, partner ? I18N_HELP_PARTNER : I18N_HELP_PARTNER_ANON), partner);
		strbuf_add_str(b, "</p>\n");
		return;
	}
	buf_text(b, msg(lang, partner ? I18N_HELP_CONTACT : I18N_HELP_CONTACT_ANON), partner);
	if (url != NULL) {
		strbuf_add_str(b, "<span><a class=\"support\" href=\"");
		buf_escaped(b, url);
		strbuf_add_str(b, "\" rel=\"noreferrer\">");
		buf_escaped(b, msg(lang, I18N_HELP_LINK));
		strbuf_add_str(b, "</a></span>");
	}
	if (email != NULL) {
		strbuf_add_str(b, "<span><a class=\"support\" href=\"mailto:");
		buf_escaped(b, email);
		strbuf_add_str(b, "\">");
		buf_escaped(b, email);
		strbuf_add_str(b, "</a></span>");
	}
	strbuf_add_str(b, "</p>\n");
}

/*
 * Lays out the page. The heading doubles as the <title>, so the browser tab and
 * the history list say the outcome too.
 */
static void render(struct strbuf *b, const struct page_info *info)
{
	const char *lang = lang_pick(info->lang, NULL, NULL);
	const char *partner = shown(info->partner_name);
	const char *installation = shown(info->installation_name);
	int is_id = installation == NULL;
	const char *return_to = shown(info->return_to);
	const char *heading = msg(lang, kinds[info->kind].heading);

	if (installation == NULL)
		installation = shown(info->installation_id);
	strbuf_add_str(b, "<!DOCTYPE html>\n<html lang=\"");
	buf_escaped(b, lang);
	strbuf_add_str(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<meta name=\"referrer\" content=\"no-referrer\">\n"
		   "<meta name=\"robots\" content=\"noindex, nofollow\">\n<title>");
	buf_escaped(b, heading);
	strbuf_add_str(b, "</title>\n<style>");
	strbuf_add_str(b, page_css);
	strbuf_add_str(b, "</style>\n</head>\n<body>\n<main class=\"");
	strbuf_add_str(b, tone_class[kinds[info->kind].tone]);
	strbuf_add_str(b, "\">\n<div class=\"icon\" aria-hidden=\"true\"><svg viewBox=\"0 0 24 24\">");
	strbuf_add_str(b, icon_svg[kinds[info->kind].icon]);
	strbuf_add_str(b, "</svg></div>\n<h1>");
	buf_escaped(b, heading);
	strbuf_add_str(b, "</h1>\n<p>");
	buf_text(b, msg(lang, partner ? kinds[info->kind].text : kinds[info->kind].text_anon),
		 partner);
	strbuf_add_str(b, "</p>\n");

	if (installation != NULL) {
		strbuf_add_str(b, "<dl>\n");
		render_detail(b, msg(lang, I18N_LABEL_INSTALLATION), installation, is_id);
		strbuf_add_str(b, "</dl>\n");
	}

	if (return_to != NULL) {
		strbuf_add_str(b, "<a href=\"");
		buf_escaped(b, return_to);
		strbuf_add_str(b, "\" rel=\"noreferrer\">");
		buf_text(b, msg(lang, partner ? I18N_RETURN_TO_PARTNER : I18N_RETURN_ANON), partner);
		strbuf_add_str(b, "</a>\n");
	} else if (kinds[info->kind].closing) {
		strbuf_add_str(b, "<p class=\"hint\">");
		buf_escaped(b, msg(lang, I18N_CLOSE_HINT));
		strbuf_add_str(b, "</p>\n");
	}
	if (!page_is_success(info->kind))
		render_help(b, lang, info, partner);
	strbuf_add_str(b, "</main>\n</body>\n</html>\n");
}

int page_is_success(enum page_kind kind)
{
	for (size_t i = 0; i < sizeof success_kinds / sizeof success_kinds[0]; i++)
		if (success_kinds[i] == kind)
			return 1;
	return 0;
}

char *page_render(const struct page_info *info, size_t *len)
{
	struct strbuf b = { 0 };

	assert(info != NULL && (unsigned)info->kind < PAGE_KIND_COUNT);
	render(&b, info);
	return strbuf_finish(&b, len);
}
