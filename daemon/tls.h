/*
 * tls.h — the PEM files of tls_cert_file and tls_key_file, read and checked
 * for the right kind of block before they reach libmicrohttpd.
 */
#ifndef ACCESSD_TLS_H
#define ACCESSD_TLS_H

#include <stddef.h>

struct config;

/*
 * Reads cfg->tls_cert_file and cfg->tls_key_file whole. The first must hold a
 * PEM certificate, the second an unencrypted PEM private key. Returns 0 with
 * two new strings the caller frees (both NULL when TLS is off), or -1 with a
 * message naming the key and the file in err and both NULL.
 */
int tls_load(const struct config *cfg, char **cert, char **key, char *err, size_t errlen);

#endif
