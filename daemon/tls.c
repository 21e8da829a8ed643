/*
 * tls.c — the PEM files of tls_cert_file and tls_key_file. They are read
 * before the listeners start and checked for the kind of block each must
 * hold, so that a missing file, a swapped pair or an encrypted key is named
 * here, by check-config too, rather than in the TLS library's terser words.
 * Whether the key and the certificate are valid and belong together only the
 * TLS library can tell, when the public listener starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tls.h"

/* A certificate chain or a key is a few KiB; anything much larger is not one. */
#define TLS_MAX_FILE (256 * 1024)

enum pem_kind { PEM_CERTIFICATE, PEM_PRIVATE_KEY };

/*
 * Whether text holds a PEM block of the kind asked for. A private key may be
 * PKCS#8 ("PRIVATE KEY") or of one algorithm ("RSA PRIVATE KEY", "EC ...");
 * sets *encrypted when the only key found is encrypted, which the daemon
 * cannot open without a passphrase.
 */
static int has_block(const char *text, enum pem_kind kind, int *encrypted)
{
	static const char begin[] = "-----BEGIN ";
	static const char key_label[] = "PRIVATE KEY";

	*encrypted = 0;
	for (const char *p = strstr(text, begin); p != NULL; p = strstr(p + 1, begin)) {
		const char *label = p + sizeof begin - 1;
		const char *end = strstr(label, "-----");
		if (end == NULL)
			return 0;
		size_t len = (size_t)(end - label);
		if (kind == PEM_CERTIFICATE) {
			if (len == strlen("CERTIFICATE") && memcmp(label, "CERTIFICATE", len) == 0)
				return 1;
			continue;
		}
		if (len < sizeof key_label - 1 ||
		    memcmp(end - (sizeof key_label - 1), key_label, sizeof key_label - 1) != 0)
			continue;
		if (strncmp(label, "ENCRYPTED ", strlen("ENCRYPTED ")) == 0) {
			*encrypted = 1;
			continue;
		}
		return 1;
	}
	return 0;
}

/* Reads the file of config key name at path; returns a new string or NULL with err. */
static char *read_pem(const char *name, const char *path, enum pem_kind kind, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errlen, "%s %s: %s", name, path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(TLS_MAX_FILE + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s %s: out of memory", name, path);
		return NULL;
	}
	size_t n = fread(buf, 1, TLS_MAX_FILE + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || n == 0 || n > TLS_MAX_FILE) {
		snprintf(err, errlen, "%s %s: %s", name, path,
			 bad ? "read error" : n == 0 ? "empty" : "larger than 256 KiB");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	int encrypted;
	if (!has_block(buf, kind, &encrypted)) {
		if (kind == PEM_CERTIFICATE)
			snprintf(err, errlen, "%s %s: no PEM certificate "
				 "(a -----BEGIN CERTIFICATE----- block)", name, path);
		else if (encrypted)
			snprintf(err, errlen, "%s %s: the private key is encrypted; give it "
				 "unencrypted, readable only by the service", name, path);
		else
			snprintf(err, errlen, "%s %s: no PEM private key "
				 "(a -----BEGIN PRIVATE KEY----- block)", name, path);
		free(buf);
		return NULL;
	}
	return buf;
}

int tls_load(const struct config *cfg, char **cert, char **key, char *err, size_t errlen)
{
	*cert = *key = NULL;
	if (cfg->tls_cert_file == NULL)
		return 0;
	*cert = read_pem("tls_cert_file", cfg->tls_cert_file, PEM_CERTIFICATE, err, errlen);
	if (*cert != NULL)
		*key = read_pem("tls_key_file", cfg->tls_key_file, PEM_PRIVATE_KEY, err, errlen);
	if (*key == NULL) {
		free(*cert);
		*cert = NULL;
		return -1;
	}
	return 0;
}
