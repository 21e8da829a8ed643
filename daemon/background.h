/*
 * background.h — the daemon's periodic work, driven by the main loop: the
 * expiry pass over access requests, the retention pass (and, when configured,
 * the Zaptec verifier).
 */
#ifndef ACCESSD_BACKGROUND_H
#define ACCESSD_BACKGROUND_H

#include <stddef.h>

struct config;

/* Starts what runs on threads of its own. Returns 0, or -1 with err. */
int background_start(const struct config *cfg, char *err, size_t errlen);

/* Called about once a second by the main loop: runs what is due. */
void background_tick(const struct config *cfg);

/* Stops the background threads. */
void background_stop(void);

#endif
