/*
 * cmd.h — the commands of the command line, one function each. Each gets the
 * configuration path and its own arguments (argv[0] is the command's name) and
 * returns the exit status.
 */
#ifndef ACCESSD_CMD_H
#define ACCESSD_CMD_H

#define CMD_OK 0
#define CMD_FAILURE 1
#define CMD_USAGE 2

/* cmd_serve.c */
int cmd_serve(const char *config_path, int argc, char **argv);

/* cmd_admin.c */
int cmd_check_config(const char *config_path, int argc, char **argv);
int cmd_migrate(const char *config_path, int argc, char **argv);

/* cmd_link.c */
int cmd_link(const char *config_path, int argc, char **argv);

/* cmd_installations.c */
int cmd_installations(const char *config_path, int argc, char **argv);

/* cmd_backup.c */
int cmd_backup(const char *config_path, int argc, char **argv);

/* cmd_purge.c */
int cmd_purge(const char *config_path, int argc, char **argv);

/* Loads the configuration for a command, printing "zaptec-accessd: <reason>" on
 * failure. Returns 0 or CMD_USAGE. (cmd_admin.c) */
struct config;
int cmd_load_config(struct config *cfg, const char *path, int need_secrets);

/* Opens the database and applies migrations; NULL with a message printed. */
struct store;
struct store *cmd_open_store(const struct config *cfg);

#endif
