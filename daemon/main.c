/*
 * main.c — the command line: serve (the default), check-config, migrate, link,
 * installations, backup, purge, each with its own --help, and --version, --help.
 * Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.
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
	"       zaptec-accessd COMMAND --help             that command's usage\n"
	"       zaptec-accessd --version | --help\n"
	"\n"
	"FILE defaults to " CONFIG_DEFAULT_PATH ".\n";

/* Each command with its own usage, which "COMMAND --help" prints. */
struct command {
	const char *name;
	int (*run)(const char *config_path, int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "serve", cli_serve,
	  "usage: zaptec-accessd [-c FILE] [serve]\n"
	  "Runs the daemon: the public and admin listeners, until SIGTERM. SIGHUP re-reads log_level.\n" },
	{ "check-config", cli_check_config,
	  "usage: zaptec-accessd [-c FILE] check-config\n"
	  "Validates the configuration, its secret files and TLS files; exit 0, or 2 with the reason.\n" },
	{ "migrate", cli_migrate,
	  "usage: zaptec-accessd [-c FILE] migrate\n"
	  "Creates or upgrades the database to this version's schema, then exits.\n" },
	{ "link", cli_link,
	  "usage: zaptec-accessd [-c FILE] link [--type go|pro] [--installation-id G] [--lang L]\n"
	  "                      [--reference R] [--show-existing] [--json]\n"
	  "Creates an access request in the database, without the daemon running, and prints\n"
	  "its links (with --json, the whole access request object).\n" },
	{ "installations", cli_installations,
	  "usage: zaptec-accessd [-c FILE] installations [--status verifying|granted|unconfirmed|revoked] [--json]\n"
	  "Lists the installations in the database, most recently updated first.\n" },
	{ "backup", cli_backup,
	  "usage: zaptec-accessd [-c FILE] backup FILE\n"
	  "Copies the database to FILE while the daemon runs, checks the copy, and never\n"
	  "overwrites an existing FILE.\n" },
	{ "purge", cli_purge,
	  "usage: zaptec-accessd [-c FILE] purge\n"
	  "Runs one retention pass now, next to a running daemon or without one, and prints\n"
	  "what it deleted: events, rejected_callbacks, access_requests, installations.\n" },
};

/* Whether the command's own arguments ask for its usage. */
static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

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
		if (strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				fprintf(stderr, "zaptec-accessd: -c needs a configuration FILE\n%s", usage_text);
				return CLI_USAGE;
			}
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
			char **sub_argv = i < argc ? argv + i : serve_argv;
			if (wants_help(sub_argc, sub_argv)) {
				fputs(commands[c].usage, stdout);
				return CLI_OK;
			}
			return commands[c].run(config_path, sub_argc, sub_argv);
		}
	}
	fprintf(stderr, "zaptec-accessd: unknown command %s\n%s", name, usage_text);
	return CLI_USAGE;
}
