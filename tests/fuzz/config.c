/*
 * config.c — fuzzes the configuration parser on arbitrary file text, secrets
 * not needed (no file is read). Properties: a refusal comes with a message that
 * names the file; an accepted configuration has its required keys, URLs
 * without a trailing '/', only canonical origins in redirect_allow, and a
 * support contact that is safe in a page: nothing in it HTML would read.
 */
#include <sys/socket.h>

#include "config.h"
#include "fuzz.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];

	memset(err, 'x', sizeof err);
	if (config_parse(&cfg, "fuzz.conf", (const char *)data, size, 0, err, sizeof err) != 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
		FUZZ_CHECK(strncmp(err, "fuzz.conf", 9) == 0);
		config_free(&cfg);
		return 0;
	}
	FUZZ_CHECK(cfg.lookup_key != NULL && cfg.public_url != NULL && cfg.partner_name != NULL);
	FUZZ_CHECK(cfg.portal_url != NULL && cfg.database != NULL && cfg.default_lang != NULL);
	size_t n = strlen(cfg.public_url);
	FUZZ_CHECK(n == 0 || cfg.public_url[n - 1] != '/');
	n = strlen(cfg.portal_url);
	FUZZ_CHECK(n == 0 || cfg.portal_url[n - 1] != '/');
	FUZZ_CHECK(validate_lang(cfg.default_lang, NULL) == 0);
	FUZZ_CHECK(cfg.redirect_allow_count <= CONFIG_MAX_REDIRECT_ORIGINS);
	FUZZ_CHECK(cfg.trusted_proxy_count <= CONFIG_MAX_TRUSTED_PROXIES);
	for (size_t i = 0; i < cfg.redirect_allow_count; i++) {
		char canonical[300];
		FUZZ_CHECK(validate_origin(cfg.redirect_allow[i], canonical, sizeof canonical, NULL) == 0);
	}
	for (size_t i = 0; i < cfg.trusted_proxy_count; i++)
		FUZZ_CHECK(cfg.trusted_proxies[i].prefix <= (cfg.trusted_proxies[i].family == AF_INET6 ? 128u : 32u));
	FUZZ_CHECK(cfg.request_ttl > 0 && cfg.request_ttl <= cfg.max_request_ttl);
	FUZZ_CHECK(cfg.support_url == NULL || (validate_support_url(cfg.support_url, NULL) == 0 &&
					       strpbrk(cfg.support_url, "\"<>") == NULL));
	FUZZ_CHECK(cfg.support_email == NULL || (validate_email(cfg.support_email, NULL) == 0 &&
						 strpbrk(cfg.support_email, "\"'<>&:/ ") == NULL));
	config_free(&cfg);
	return 0;
}
