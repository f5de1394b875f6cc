/* util.c: error reporting, clocks, names, parsing, small file I/O. */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int verbose;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "proctor: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void dbg_msg(const char *fmt, ...)
{
	va_list ap;
	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}
uint64_t now_boottime_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}
uint64_t now_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

void fmt_rfc3339(uint64_t ns, char *buf, size_t len)
{
	/* Every record has a timestamp: the date and time of day are formatted
	 * once per second (per thread), the nanoseconds by hand. */
	static __thread time_t last_sec = (time_t)-1;
	static __thread char base[24];
	static __thread size_t blen;
	time_t sec = (time_t)(ns / 1000000000ull);
	uint32_t frac = (uint32_t)(ns % 1000000000ull);
	char out[40];
	size_t n;
	int i;

	if (sec != last_sec) {
		struct tm tm;
		gmtime_r(&sec, &tm);
		blen = strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = sec;
	}
	memcpy(out, base, blen);
	out[blen] = '.';
	for (i = 9; i >= 1; i--, frac /= 10)
		out[blen + (size_t)i] = (char)('0' + frac % 10);
	out[blen + 10] = 'Z';
	n = blen + 11; /* snprintf's truncation, without printf */
	if (!len)
		return;
	if (n > len - 1)
		n = len - 1;
	memcpy(buf, out, n);
	buf[n] = 0;
}

int parse_rfc3339(const char *s, uint64_t *ns)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	uint64_t frac = 0;
	int digits = 0;

	if (!p)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (uint64_t)(*p - '0');
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*p != 'Z' || p[1])
		return -1;
	*ns = (uint64_t)timegm(&tm) * 1000000000ull + frac;
	return 0;
}

void fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000ull)
		snprintf(buf, len, "%.0fus", (double)ns / 1e3);
	else if (ns < 10000000000ull)
		snprintf(buf, len, "%.0fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
}

const char *errno_name(int err)
{
	const char *n = strerrorname_np(err);
	return n;
}

const char *errno_name_of(int64_t ret)
{
	return ret < 0 && ret >= -4095 ? errno_name((int)-ret) : NULL;
}

const char *signal_name(int sig)
{
	static char buf[16];
	const char *abbrev = sigabbrev_np(sig);
	if (!abbrev)
		return NULL;
	snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	return buf;
}

long read_small_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - (size_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = 0;
	return total;
}

int proc_cgroup2_path(uint32_t pid, char *out, size_t len)
{
	char path[64], buf[8192], *line, *save;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "0::", 3)) {
			snprintf(out, len, "%s", line + 3);
			return 0;
		}
	return -1;
}

int write_small_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	saved = errno;
	close(fd);
	errno = saved;
	return n < 0 ? -1 : 0;
}

int mkdir_p(const char *path, unsigned mode)
{
	char tmp[4096];
	size_t len = strlen(path);
	char *p;

	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, len + 1);
	for (p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, mode) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -1;
	return 0;
}
