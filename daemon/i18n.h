/*
 * i18n.h — the translated text of the customer's result pages, in one table.
 *
 * Every string is plain text (page.c escapes it). The only placeholder is
 * {partner}, replaced by the partner's name; messages named *_ANON are the same
 * sentence for when the partner's name is unknown.
 */
#ifndef ACCESSD_I18N_H
#define ACCESSD_I18N_H

enum i18n_msg {
	I18N_GRANTED_HEADING,
	I18N_GRANTED_TEXT,
	I18N_GRANTED_TEXT_ANON,
	I18N_DENIED_HEADING,
	I18N_DENIED_TEXT,
	I18N_DENIED_TEXT_ANON,
	I18N_ALREADY_GRANTED_HEADING,
	I18N_ALREADY_GRANTED_TEXT,
	I18N_ALREADY_GRANTED_TEXT_ANON,
	I18N_EXPIRED_HEADING,
	I18N_EXPIRED_TEXT,
	I18N_EXPIRED_TEXT_ANON,
	I18N_CANCELLED_HEADING,
	I18N_CANCELLED_TEXT,
	I18N_CANCELLED_TEXT_ANON,
	I18N_LATE_HEADING,
	I18N_LATE_TEXT,
	I18N_LATE_TEXT_ANON,
	I18N_CONFLICT_HEADING,
	I18N_CONFLICT_TEXT,
	I18N_INVALID_HEADING,
	I18N_INVALID_TEXT,
	I18N_UNKNOWN_HEADING,
	I18N_UNKNOWN_TEXT,
	I18N_UNKNOWN_TEXT_ANON,
	I18N_UNAVAILABLE_HEADING,
	I18N_UNAVAILABLE_TEXT,
	I18N_VERIFYING_HEADING,      /* a grant received, being confirmed with Zaptec */
	I18N_VERIFYING_TEXT,
	I18N_VERIFYING_TEXT_ANON,
	I18N_CONTESTED_HEADING,      /* the installation is bound to another customer */
	I18N_CONTESTED_TEXT,
	I18N_CONTESTED_TEXT_ANON,
	I18N_LABEL_INSTALLATION,     /* label of the installation id row */
	I18N_RETURN_TO_PARTNER,      /* the button back to return_to */
	I18N_RETURN_ANON,
	I18N_CLOSE_HINT,             /* shown when there is nowhere to return to */
	I18N_HELP_CONTACT,           /* "Need help? Contact {partner}:", then the links */
	I18N_HELP_CONTACT_ANON,
	I18N_HELP_PARTNER,           /* the same without a support contact configured */
	I18N_HELP_PARTNER_ANON,
	I18N_HELP_LINK,              /* the text of the support_url link */
	I18N_MSG_COUNT
};

/* Returns the text of msg in lang (a code such as "nb"), or NULL when lang has
 * no table or the table lacks that message. The string is static. */
const char *i18n_lookup(const char *lang, enum i18n_msg msg);

#endif
