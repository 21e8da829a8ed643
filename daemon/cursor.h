/*
 * cursor.h — the opaque cursors of the list endpoints: two integers (a sort key
 * and a row number) packed and written in base64url, so clients pass them back
 * without reading anything into them.
 */
#ifndef ACCESSD_CURSOR_H
#define ACCESSD_CURSOR_H

#include <stdint.h>

#define CURSOR_TEXT_LEN 22

/* Writes the cursor for (key, row) and a NUL into out. */
void cursor_encode(int64_t key, int64_t row, char out[CURSOR_TEXT_LEN + 1]);

/* Reads a cursor written by cursor_encode. Returns 0, or -1 when text is not one. */
int cursor_decode(const char *text, int64_t *key, int64_t *row);

#endif
