/*
 * fuzz.h — what the libFuzzer targets of tests/fuzz share: the entry point's
 * prototype, a copy of the input as C strings, and a check that stops the run
 * (and so fails 'make fuzz') when a property of the code under test breaks.
 */
#ifndef ACCESSD_FUZZ_H
#define ACCESSD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_FIELDS 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message when a property does not hold: libFuzzer saves the input
 * as a crash, which becomes a regression file. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* The input cut at its NUL bytes into at most FUZZ_MAX_FIELDS C strings (the
 * last one keeps any further NULs out of sight); missing fields are "". */
struct fuzz_fields {
	char *copy;
	const char *field[FUZZ_MAX_FIELDS];
	size_t count;
};

/* Fills f from data; returns 0, or -1 when memory ran out. Release with
 * fuzz_fields_free(). */
static inline int fuzz_fields_split(struct fuzz_fields *f, const uint8_t *data, size_t size)
{
	f->copy = malloc(size + 1);
	if (f->copy == NULL)
		return -1;
	memcpy(f->copy, data, size);
	f->copy[size] = '\0';
	f->count = 0;
	for (size_t i = 0; i < FUZZ_MAX_FIELDS; i++)
		f->field[i] = "";
	for (char *p = f->copy; f->count < FUZZ_MAX_FIELDS;) {
		f->field[f->count++] = p;
		p += strlen(p);
		if (p == f->copy + size)
			break;
		p++;
	}
	return 0;
}

static inline void fuzz_fields_free(struct fuzz_fields *f)
{
	free(f->copy);
	f->copy = NULL;
}

/* A NUL-terminated copy of the input (caller frees), or NULL. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif
