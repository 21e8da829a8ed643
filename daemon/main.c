/*
 * main.c — the command line: serve (the default), check-config, migrate, link,
 * installations, backup, purge, --version, --help. Exit status: 0 success, 1 runtime
 * failure, 2 usage or configuration error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "store.h"

static const char usage_text[] =
	"usage: zaptec-accessd [-c FILE] [serve]          run the daemon (the default)\n"
	"       zaptec-accessd [-c FILE] check-config     validate the configuration\n"
	"       zaptec-accessd [-c FILE] migrate          create or upgrade the database\n"
	"       zaptec-accessd [-c FILE] link [--type go|pro] [--installation-id G] [--lang L]\n"
	"                      [--reference R] [--show-existing] [--json]\n"
	"                                                 create an access request, print its links\n"
	"       zaptec-accessd [-c FILE] installations [--status S] [--json]\n"
	"                                                 list installations from the database\n"
	"       zaptec-accessd [-c FILE] backup FILE      copy the database while the daemon runs\n"
	"       zaptec-accessd [-c FILE] purge            run one retention pass now; print the counts\n"
	"       zaptec-accessd --version | --help\n"
	"\n"
	"FILE defaults to " CONFIG_DEFAULT_PATH ".\n";

struct command {
	const char *name;
	int (*run)(const char *config_path, int argc, char **argv);
};

static const struct command commands[] = {
	{ "serve", cli_serve },
	{ "check-config", cli_check_config },
	{ "migrate", cli_migrate },
	{ "link", cli_link },
	{ "installations", cli_installations },
	{ "backup", cli_backup },
	{ "purge", cli_purge },
};

int main(int argc, char **argv)
{
	const char *config_path = CONFIG_DEFAULT_PATH;
	int i = 1;

	store_global_init();

	/* Global options come before the command; the command parses the rest. */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--version") == 0) {
			printf("zaptec-accessd %s\n", ACCESSD_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config_path = argv[i + 1];
			i += 2;
			continue;
		}
		fprintf(stderr, "zaptec-accessd: unknown option %s\n%s", argv[i], usage_text);
		return CLI_USAGE;
	}
	const char *name = i < argc ? argv[i] : "serve";
	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
		if (strcmp(name, commands[c].name) == 0) {
			int sub_argc = i < argc ? argc - i : 1;
			char *serve_argv[] = { "serve", NULL };
			return commands[c].run(config_path, sub_argc, i < argc ? argv + i : serve_argv);
		}
	}
	fprintf(stderr, "zaptec-accessd: unknown command %s\n%s", name, usage_text);
	return CLI_USAGE;
}
