/*
 * standin_util.c — the Zaptec stand-in as a test's subprocess.
 */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "standin_util.h"

#define STANDIN "tests/zaptec-standin/standin.py"
#define FIXTURE "tests/zaptec-standin/fixture.json"
#define START_DEADLINE 10.0
#define MAX_ARGS 16

static pid_t pid = -1;
static char work_dir[] = "/tmp/test-standin-XXXXXX"; /* made from the template at each start */
static char port_file[sizeof work_dir + 16];
static char base_url[64];

double standin_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void standin_pause(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Reads the port the stand-in wrote, or 0 while the file is not there. */
static int read_port(void)
{
	FILE *f = fopen(port_file, "r");
	int port = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%d", &port) != 1)
		port = 0;
	fclose(f);
	return port;
}

const char *standin_start(const char *const *args)
{
	const char *argv[MAX_ARGS + 10] = { "python3", STANDIN, "--listen", "127.0.0.1:0", "--port-file",
					    port_file, "--fixture", FIXTURE };
	size_t argc = 8;
	pid_t parent = getpid();
	int port = 0;

	ck_assert_msg(access(STANDIN, R_OK) == 0, "%s is missing (run from the repository root)", STANDIN);
	for (size_t i = 0; args && args[i]; i++) {
		ck_assert_uint_lt(i, MAX_ARGS);
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	strcpy(work_dir, "/tmp/test-standin-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(work_dir));
	snprintf(port_file, sizeof port_file, "%s/port", work_dir);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* A failing test ends without teardown: the stand-in goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	for (double deadline = standin_now() + START_DEADLINE; (port = read_port()) == 0 && standin_now() < deadline;) {
		int status;
		ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "the stand-in exited at start");
		standin_pause();
	}
	ck_assert_msg(port > 0, "the stand-in wrote no port within %.0f s", START_DEADLINE);
	snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", port);
	return base_url;
}

void standin_stop(void)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		pid = -1;
		unlink(port_file);
		rmdir(work_dir);
	}
}

struct body {
	char *data;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	char *grown = realloc(b->data, b->len + n + 1);

	if (grown == NULL)
		return 0;
	memcpy(grown + b->len, data, n);
	b->len += n;
	grown[b->len] = '\0';
	b->data = grown;
	return n;
}

json_t *standin_control(const char *name, const char *body)
{
	struct body reply = { 0 };
	char url[128];
	CURL *curl = curl_easy_init();
	long status = 0;

	ck_assert_ptr_nonnull(curl);
	snprintf(url, sizeof url, "%s/_standin/%s", base_url, name);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	if (body != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	ck_assert_int_eq(curl_easy_perform(curl), CURLE_OK);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	ck_assert_msg(status == 200, "/_standin/%s answered %ld: %s", name, status, reply.data);
	json_t *json = json_loads(reply.data, 0, NULL);
	free(reply.data);
	ck_assert_ptr_nonnull(json);
	return json;
}

long standin_logins(void)
{
	json_t *state = standin_control("state", NULL);
	long logins = (long)json_integer_value(json_object_get(state, "logins"));

	json_decref(state);
	return logins;
}

int standin_requests_with_status(int status)
{
	json_t *state = standin_control("state", NULL), *request;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(state, "apiRequests"), i, request)
		if (json_integer_value(json_object_get(request, "status")) == status)
			n++;
	json_decref(state);
	return n;
}
