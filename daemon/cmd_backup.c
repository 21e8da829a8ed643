/*
 * cmd_backup.c — the backup command: an online, consistent copy of the
 * database made by the store (SQLite's backup API), safe while the daemon
 * writes.
 *
 * The copy is written to FILE.tmp, checked, synced and only then renamed to
 * FILE, so a file under the final name is always a complete, checked copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "store.h"

static const char usage_text[] = "usage: zaptec-accessd [-c FILE] backup FILE\n";

/* Opens path and fsyncs it (a file, or a directory to make a rename durable).
 * Returns 0 or -1 with errno set. */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Makes the rename of target durable by syncing the directory that holds it. */
static int sync_parent(const char *target)
{
	char *copy = strdup(target);
	if (copy == NULL)
		return -1;
	int rc = sync_path(dirname(copy), O_RDONLY | O_DIRECTORY);
	free(copy);
	return rc;
}

int cmd_backup(const char *config_path, int argc, char **argv)
{
	struct config cfg;
	struct stat sb;
	char err[1024];
	char *tmp = NULL;
	struct store *src = NULL;
	int version = -1, rc = CMD_FAILURE;

	if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
		fprintf(stderr, "zaptec-accessd: backup takes one argument, the file to write\n%s", usage_text);
		return CMD_USAGE;
	}
	const char *target = argv[1];
	if (cmd_load_config(&cfg, config_path, 0) != 0)
		return CMD_USAGE;
	if (!store_backup_supported(cfg.database, err, sizeof err)) {
		fprintf(stderr, "zaptec-accessd: backup: %s\n", err);
		config_free(&cfg);
		return CMD_USAGE;
	}
	if (lstat(target, &sb) == 0 || errno != ENOENT) {
		fprintf(stderr, "zaptec-accessd: backup: %s already exists; choose a new file\n", target);
		config_free(&cfg);
		return CMD_USAGE;
	}
	if (asprintf(&tmp, "%s.tmp", target) < 0) {
		fprintf(stderr, "zaptec-accessd: out of memory\n");
		config_free(&cfg);
		return CMD_FAILURE;
	}
	/* Claiming the temporary name exclusively keeps two backups from writing
	 * into one file, and never truncates a file we did not make. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int saved = errno;
		fprintf(stderr, "zaptec-accessd: backup: %s: %s%s\n", tmp, strerror(saved),
			saved == EEXIST ? " (another backup is running, or an old one failed: remove it)" : "");
		free(tmp);
		config_free(&cfg);
		return saved == EEXIST ? CMD_USAGE : CMD_FAILURE;
	}
	close(fd);

	src = store_open(cfg.database, 0, err, sizeof err);
	if (src == NULL) {
		fprintf(stderr, "zaptec-accessd: backup: database %s\n", err);
		goto fail;
	}
	if (store_backup_copy(src, tmp, err, sizeof err) != 0) {
		fprintf(stderr, "zaptec-accessd: backup: %s\n", err);
		goto fail;
	}
	store_close(src);
	src = NULL;
	if (store_backup_check(tmp, &version, err, sizeof err) != 0) {
		fprintf(stderr, "zaptec-accessd: backup: %s\n", err);
		goto fail;
	}
	if (sync_path(tmp, O_RDONLY) != 0) {
		fprintf(stderr, "zaptec-accessd: backup: syncing %s: %s\n", tmp, strerror(errno));
		goto fail;
	}
	/* link() rather than rename() so that a file made under the final name
	 * since the check above is never replaced; rename() where the file system
	 * has no hard links. */
	if (link(tmp, target) == 0) {
		unlink(tmp);
	} else if (errno == EEXIST) {
		fprintf(stderr, "zaptec-accessd: backup: %s already exists; choose a new file\n", target);
		rc = CMD_USAGE;
		goto fail;
	} else if (rename(tmp, target) != 0) {
		fprintf(stderr, "zaptec-accessd: backup: %s: %s\n", target, strerror(errno));
		goto fail;
	}
	if (sync_parent(target) != 0) {
		fprintf(stderr, "zaptec-accessd: backup: syncing the directory of %s: %s\n", target,
			strerror(errno));
		goto done;
	}
	if (stat(target, &sb) != 0) {
		fprintf(stderr, "zaptec-accessd: backup: %s: %s\n", target, strerror(errno));
		goto done;
	}
	printf("%s: %lld bytes, schema version %d\n", target, (long long)sb.st_size, version);
	rc = CMD_OK;
	goto done;
fail:
	store_close(src);
	unlink(tmp);
done:
	free(tmp);
	config_free(&cfg);
	return rc;
}
