/*
 * metrics_process.c — the standard process metrics of the Prometheus client
 * libraries (process_cpu_seconds_total, process_open_fds, process_max_fds,
 * process_virtual_memory_bytes, process_resident_memory_bytes,
 * process_start_time_seconds), read from /proc at scrape time, so that the
 * usual dashboards and alerts work on this daemon as on any other.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "metrics.h"
#include "strbuf.h"

/* What /proc/self/stat says about us: CPU time and start in clock ticks,
 * virtual size in bytes, resident size in pages. */
struct proc_stat {
	unsigned long long utime, stime, starttime, vsize;
	long long rss;
};

/* Reads /proc/self/stat. The command name (field 2) is in parentheses and may
 * hold spaces, so the fields are counted from the last ')'. Returns 0 or -1. */
static int read_stat(struct proc_stat *ps)
{
	char text[1024];
	FILE *f = fopen("/proc/self/stat", "re");
	if (f == NULL)
		return -1;
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *p = strrchr(text, ')');
	if (p == NULL)
		return -1;
	/* Fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime priority nice threads
	 * itrealvalue starttime vsize rss */
	int got = sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
			 &ps->utime, &ps->stime, &ps->starttime, &ps->vsize, &ps->rss);
	return got == 5 ? 0 : -1;
}

/* The system's boot time (btime in /proc/stat), Unix seconds; -1 if unknown. */
static long long boot_time(void)
{
	char line[256];
	long long btime = -1;
	FILE *f = fopen("/proc/stat", "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "btime %lld", &btime) == 1)
			break;
	fclose(f);
	return btime;
}

/* The number of open descriptors: the entries of /proc/self/fd (the one
 * reading it included, as the client libraries count). -1 if unknown. */
static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (d == NULL)
		return -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Appends the process metrics to the exposition; a value that cannot be read
 * is left out rather than written as a false 0. */
void metrics_process_append(struct strbuf *b)
{
	struct proc_stat ps;
	long ticks = sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	long long btime = boot_time();
	long fds = count_fds();
	struct rlimit rl;

	if (read_stat(&ps) == 0 && ticks > 0) {
		strbuf_addf(b,
			       "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
			       "# TYPE process_cpu_seconds_total counter\n"
			       "process_cpu_seconds_total %.2f\n"
			       "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
			       "# TYPE process_virtual_memory_bytes gauge\n"
			       "process_virtual_memory_bytes %llu\n"
			       "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
			       "# TYPE process_resident_memory_bytes gauge\n"
			       "process_resident_memory_bytes %lld\n",
			       (double)(ps.utime + ps.stime) / (double)ticks, ps.vsize, ps.rss * page);
		if (btime > 0)
			strbuf_addf(b,
				       "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
				       "# TYPE process_start_time_seconds gauge\n"
				       "process_start_time_seconds %.2f\n",
				       (double)btime + (double)ps.starttime / (double)ticks);
	}
	if (fds >= 0)
		strbuf_addf(b,
			       "# HELP process_open_fds Number of open file descriptors.\n"
			       "# TYPE process_open_fds gauge\n"
			       "process_open_fds %ld\n",
			       fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		strbuf_addf(b,
			       "# HELP process_max_fds Maximum number of open file descriptors.\n"
			       "# TYPE process_max_fds gauge\n"
			       "process_max_fds %llu\n",
			       (unsigned long long)rl.rlim_cur);
}
