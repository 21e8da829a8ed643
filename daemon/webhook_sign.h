/*
 * webhook_sign.h — Standard Webhooks v1 secrets and signatures, on libsodium.
 *
 * A secret is "whsec_" + the standard base64 of 32 random bytes. A signature
 * is "v1," + the base64 of HMAC-SHA256 over "<id>.<timestamp>.<body>", keyed
 * with the secret's decoded bytes. Pure functions apart from the randomness
 * of a new secret.
 */
#ifndef ACCESSD_WEBHOOK_SIGN_H
#define ACCESSD_WEBHOOK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SECRET_BYTES 32
#define WEBHOOK_SECRET_LEN (6 + 44)     /* "whsec_" + base64 of 32 bytes */
#define WEBHOOK_SIGNATURE_LEN (3 + 44)  /* "v1," + base64 of 32 bytes */

/* Writes a fresh random secret and a NUL into out. */
void webhook_secret_new(char out[WEBHOOK_SECRET_LEN + 1]);

/* Signs body (len bytes) sent as message id at unix time timestamp with
 * secret ("whsec_..."; base64 without the prefix is taken as well). Writes
 * "v1,<base64>" and a NUL into out. Returns 0, or -1 when the secret is not
 * valid base64. */
int webhook_sign(const char *secret, const char *id, int64_t timestamp, const char *body, size_t len,
		 char out[WEBHOOK_SIGNATURE_LEN + 1]);

#endif
