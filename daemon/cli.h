/*
 * cli.h — the commands of the command line, one function each. Each gets the
 * configuration path and its own arguments (argv[0] is the command's name) and
 * returns the exit status.
 */
#ifndef ACCESSD_CLI_H
#define ACCESSD_CLI_H

#define CLI_OK 0
#define CLI_FAILURE 1
#define CLI_USAGE 2

/* serve.c */
int cli_serve(const char *config_path, int argc, char **argv);

/* cli_admin.c */
int cli_check_config(const char *config_path, int argc, char **argv);
int cli_migrate(const char *config_path, int argc, char **argv);

/* cli_link.c */
int cli_link(const char *config_path, int argc, char **argv);

/* cli_installations.c */
int cli_installations(const char *config_path, int argc, char **argv);

/* cli_backup.c */
int cli_backup(const char *config_path, int argc, char **argv);

/* cli_purge.c */
int cli_purge(const char *config_path, int argc, char **argv);

/* Loads the configuration for a command, printing "zaptec-accessd: <reason>" on
 * failure. Returns 0 or CLI_USAGE. (cli_admin.c) */
struct config;
int cli_load_config(struct config *cfg, const char *path, int need_secrets);

/* Opens the database and applies migrations; NULL with a message printed. */
struct store;
struct store *cli_open_store(const struct config *cfg);

#endif
