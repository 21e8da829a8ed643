/*
 * webhook_sign.c — webhook secrets and their HMAC-SHA256 signatures.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "webhook_sign.h"

#define SECRET_PREFIX "whsec_"
/* The longest key accepted: Standard Webhooks secrets are 24 to 64 bytes. */
#define KEY_MAX 64

void webhook_secret_new(char out[WEBHOOK_SECRET_LEN + 1])
{
	unsigned char key[WEBHOOK_SECRET_BYTES];

	randombytes_buf(key, sizeof key);
	memcpy(out, SECRET_PREFIX, sizeof SECRET_PREFIX - 1);
	sodium_bin2base64(out + sizeof SECRET_PREFIX - 1, WEBHOOK_SECRET_LEN + 1 - (sizeof SECRET_PREFIX - 1), key,
			  sizeof key, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof key);
}

int webhook_sign(const char *secret, const char *id, int64_t timestamp, const char *body, size_t len,
		 char out[WEBHOOK_SIGNATURE_LEN + 1])
{
	unsigned char key[KEY_MAX], mac[crypto_auth_hmacsha256_BYTES];
	size_t key_len = 0;
	char stamp[24];
	crypto_auth_hmacsha256_state state;

	if (strncmp(secret, SECRET_PREFIX, sizeof SECRET_PREFIX - 1) == 0)
		secret += sizeof SECRET_PREFIX - 1;
	if (sodium_base642bin(key, sizeof key, secret, strlen(secret), NULL, &key_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || key_len == 0)
		return -1;
	int n = snprintf(stamp, sizeof stamp, "%" PRId64, timestamp);
	crypto_auth_hmacsha256_init(&state, key, key_len);
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)stamp, (size_t)n);
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&state, mac);
	sodium_memzero(key, sizeof key);
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, WEBHOOK_SIGNATURE_LEN + 1 - 3, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}
