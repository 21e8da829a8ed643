/*
 * cmd_installations.c — the installations command: every installation in the
 * database, most recently updated first, as an aligned table or a JSON array.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "installations.h"
#include "status.h"
#include "store.h"
#include "timestamp.h"

static const char usage_text[] =
	"usage: zaptec-accessd [-c FILE] installations [--status verifying|granted|unconfirmed|revoked] [--json]\n";

/* One pass over the installations, in the API's order. */
struct listing {
	struct store *st;
	const char *status;       /* NULL: all */
	int json;
	int with_verification;
	size_t reference_width;   /* the widest reference, in characters */
	unsigned long count;
};

/* The width of UTF-8 text in characters (code points): each shows as one
 * column in the terminals this is read on. */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void print_padded(const char *s, size_t width)
{
	size_t w = text_width(s);
	fputs(s, stdout);
	for (; w < width; w++)
		putchar(' ');
}

static void print_row(const struct listing *l, const char *id, const char *status, const char *type,
		      const char *reference, const char *updated)
{
	print_padded(id, VALIDATE_GUID_LEN);
	fputs("  ", stdout);
	print_padded(status, strlen(status_installation_names[STATUS_INSTALLATION_UNCONFIRMED]));
	fputs("  ", stdout);
	print_padded(type, strlen("TYPE"));
	fputs("  ", stdout);
	print_padded(reference, l->reference_width);
	fputs("  ", stdout);
	fputs(updated, stdout);
	putchar('\n');
}

/* Handles one row: measures it (measure set), or prints it as a table row or a
 * JSON array element. Returns 0, or -1 when memory runs out. */
static int visit(struct listing *l, const struct installation *in, int measure)
{
	if (measure) {
		size_t w = text_width(in->reference[0] ? in->reference : "-");
		if (w > l->reference_width)
			l->reference_width = w;
		return 0;
	}
	if (l->json) {
		json_t *obj = installations_json(in, l->with_verification);
		char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
		json_decref(obj);
		if (text == NULL)
			return -1;
		printf("%s  %s", l->count ? ",\n" : "", text);
		free(text);
	} else {
		char updated[TIMESTAMP_LEN + 1];
		timestamp_format(in->updated_at, updated);
		const char *type = in->installation_type < 0 ? "-" : in->installation_type == 0 ? "pro" : "go";
		print_row(l, in->installation_id, in->status, type, in->reference[0] ? in->reference : "-",
			  updated);
	}
	l->count++;
	return 0;
}

/*
 * Walks every installation (matching l->status), a page at a time through the
 * list statement's cursor, so that memory stays flat on any number of rows.
 * Returns 0, or -1 with a message printed.
 */
/* One page of the walk: where it stands, and whether a visit failed. */
struct walk_page {
	struct listing *l;
	int measure, rows, failed;
	int64_t before_updated, before_seq;
};

static int walk_row(void *arg, const struct installation *in)
{
	struct walk_page *p = arg;
	if (visit(p->l, in, p->measure) != 0) {
		p->failed = 1;
		return 1;
	}
	p->before_updated = in->updated_at;
	p->before_seq = in->seq;
	p->rows++;
	return 0;
}

static int walk(struct listing *l, int measure)
{
	enum { PAGE = 500 };
	struct walk_page p = { .l = l, .measure = measure, .before_updated = INT64_MAX, .before_seq = INT64_MAX };

	for (;;) {
		p.rows = 0;
		if (store_installation_list(l->st, p.before_updated, p.before_seq, 0, l->status, NULL, PAGE, walk_row,
					    &p) != 0) {
			fprintf(stderr, "zaptec-accessd: reading installations: %s\n", store_errmsg(l->st));
			return -1;
		}
		if (p.failed) {
			fprintf(stderr, "zaptec-accessd: out of memory\n");
			return -1;
		}
		if (p.rows < PAGE)
			return 0;
	}
}

/* Parses the command's options into l. Returns 0, or CMD_USAGE with a message. */
static int parse_options(struct listing *l, int argc, char **argv)
{
	static const struct option options[] = {
		{ "status", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* argv[0] is the command's name, which getopt skips as it would a program's. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 's':
			l->status = NULL;
			for (int i = 0; status_installation_names[i]; i++)
				if (strcmp(optarg, status_installation_names[i]) == 0)
					l->status = status_installation_names[i];
			if (l->status == NULL) {
				fprintf(stderr, "zaptec-accessd: installations: unknown status %s\n%s", optarg, usage_text);
				return CMD_USAGE;
			}
			break;
		case 'j':
			l->json = 1;
			break;
		default:
			fprintf(stderr, "zaptec-accessd: installations: bad option %s\n%s",
				optind > 0 && optind <= argc ? argv[optind - 1] : "", usage_text);
			return CMD_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zaptec-accessd: installations: unexpected argument %s\n%s", argv[optind], usage_text);
		return CMD_USAGE;
	}
	return 0;
}

int cmd_installations(const char *config_path, int argc, char **argv)
{
	struct listing l = { 0 };
	struct config cfg;
	int rc;

	if ((rc = parse_options(&l, argc, argv)) != 0)
		return rc;
	if (cmd_load_config(&cfg, config_path, 0) != 0)
		return CMD_USAGE;
	l.with_verification = cfg.zaptec_username != NULL;
	l.st = cmd_open_store(&cfg);
	if (l.st == NULL) {
		config_free(&cfg);
		return CMD_FAILURE;
	}
	rc = CMD_FAILURE;
	if (l.json) {
		fputs("[\n", stdout);
		if (walk(&l, 0) != 0)
			goto done;
		fputs(l.count ? "\n]\n" : "]\n", stdout);
	} else {
		/* A first pass measures the references so the columns line up. */
		l.reference_width = strlen("REFERENCE");
		if (walk(&l, 1) != 0)
			goto done;
		print_row(&l, "INSTALLATION ID", "STATUS", "TYPE", "REFERENCE", "UPDATED");
		if (walk(&l, 0) != 0)
			goto done;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "zaptec-accessd: installations: writing the output failed\n");
		goto done;
	}
	rc = CMD_OK;
done:
	store_close(l.st);
	config_free(&cfg);
	return rc;
}
