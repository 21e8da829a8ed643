/*
 * cmd_link.c — `zaptec-accessd link`: creates an access request straight in the
 * database, without the daemon, and prints its links (or the whole object).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "requests.h"
#include "store.h"
#include "timestamp.h"

struct link_job {
	struct access_request r;
	unsigned char hash[TOKEN_HASH_LEN];
};

static int insert_run(struct store *st, void *arg)
{
	struct link_job *job = arg;
	return requests_insert(st, &job->r, job->hash);
}

static void print_errors(json_t *errors)
{
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		fprintf(stderr, "zaptec-accessd: %s %s\n", json_string_value(json_object_get(e, "field")),
			json_string_value(json_object_get(e, "message")));
	}
}

int cmd_link(const char *config_path, int argc, char **argv)
{
	static const struct option options[] = {
		{ "type", required_argument, NULL, 't' },
		{ "installation-id", required_argument, NULL, 'i' },
		{ "lang", required_argument, NULL, 'l' },
		{ "reference", required_argument, NULL, 'r' },
		{ "show-existing", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct request_input in = { 0 };
	int as_json = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 't': in.installation_type = optarg; break;
		case 'i': in.installation_id = optarg; break;
		case 'l': in.lang = optarg; break;
		case 'r': in.reference = optarg; break;
		case 's': in.show_existing = 1; break;
		case 'j': as_json = 1; break;
		default:
			fprintf(stderr, "usage: zaptec-accessd [-c FILE] link [--type go|pro] [--installation-id G] "
					"[--lang L] [--reference R] [--show-existing] [--json]\n");
			return CMD_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zaptec-accessd: link: unexpected argument %s\n", argv[optind]);
		return CMD_USAGE;
	}

	struct config cfg;
	if (cmd_load_config(&cfg, config_path, 0) != 0)
		return CMD_USAGE;
	int rc = CMD_FAILURE;
	struct link_job job;
	char token[TOKEN_TEXT_LEN + 1];
	json_t *errors = json_array();
	struct store *st = NULL;

	if (token_init() != 0 || errors == NULL)
		goto done;
	if (requests_prepare(&job.r, &in, &cfg, timestamp_now(), errors) != 0) {
		print_errors(errors);
		rc = CMD_USAGE;
		goto done;
	}
	token_generate(token, job.hash);
	if ((st = cmd_open_store(&cfg)) == NULL)
		goto done;
	if (store_transaction(st, insert_run, &job) != 0) {
		fprintf(stderr, "zaptec-accessd: could not store the request: %s\n", store_errmsg(st));
		goto done;
	}
	json_t *obj = requests_json(&job.r, timestamp_now());
	if (obj == NULL || requests_add_links(obj, &job.r, token, &cfg) != 0) {
		json_decref(obj);
		goto done;
	}
	if (as_json) {
		json_dumpf(obj, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("request:     %s\nconnectUrl:  %s\nportalUrl:   %s\nexpiresAt:   %s\n", job.r.id,
		       json_string_value(json_object_get(obj, "connectUrl")),
		       json_string_value(json_object_get(obj, "portalUrl")),
		       json_string_value(json_object_get(obj, "expiresAt")));
	}
	json_decref(obj);
	rc = CMD_OK;
done:
	json_decref(errors);
	store_close(st);
	config_free(&cfg);
	return rc;
}
