/*
 * server.h — starting and stopping the whole daemon around a configuration:
 * database, writer, listeners, background work. The serve command and the
 * tests (which run the daemon in-process on port 0) both use it.
 */
#ifndef ACCESSD_SERVER_H
#define ACCESSD_SERVER_H

#include <stddef.h>

struct config;

/* Brings everything up; on return both listeners accept. cfg must outlive the
 * server. Returns 0, or -1 with err (nothing left running). */
int server_start(const struct config *cfg, char *err, size_t errlen);

/* The bound ports (useful when the configuration asked for port 0). */
int server_public_port(void);
int server_admin_port(void);

/* Stops accepting, finishes the writes under way, stops everything. */
void server_stop(void);

#endif
