/*
 * runner.c — runs every Check suite of tests/unit. The list is collected by the
 * Makefile from each 'Suite *NAME_suite(void)' definition, so a new suite needs
 * no registration. Fails when any test fails or when no test ran.
 *
 *   build/check-unit                 every suite
 *   build/check-unit portal config   only the suites named
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *name(void);
#include "suites.h"
#undef SUITE

struct suite_entry {
	const char *name;
	Suite *(*make)(void);
};

#define SUITE(name) { #name, name },
static const struct suite_entry suites[] = {
#include "suites.h"
};
#undef SUITE

static int wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (strncmp(name, argv[i], n) == 0 && strcmp(name + n, "_suite") == 0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	SRunner *runner = NULL;

	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (!wanted(suites[i].name, argc, argv))
			continue;
		if (runner == NULL)
			runner = srunner_create(suites[i].make());
		else
			srunner_add_suite(runner, suites[i].make());
	}
	if (runner == NULL) {
		fprintf(stderr, "check-unit: no suite matched\n");
		return 1;
	}
	srunner_run_all(runner, CK_NORMAL);
	int ran = srunner_ntests_run(runner);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	printf("unit: %d passed, %d failed\n", ran - failed, failed);
	if (ran == 0) {
		fprintf(stderr, "check-unit: no test ran\n");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}
