/* util.h: small shared helpers: error reporting, time formatting, errno and
 * signal names, checked number parsing. */
#ifndef PROCTOR_UTIL_H
#define PROCTOR_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern int verbose;
void die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dbg_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wall clock and boot clock, ns. */
uint64_t now_realtime_ns(void);
uint64_t now_boottime_ns(void);
uint64_t now_monotonic_ns(void);
/* RFC 3339 UTC with nanoseconds: 2026-11-22T14:29:41.123456789Z (buf >= 32). */
void fmt_rfc3339(uint64_t ns, char *buf, size_t len);
/* Parse RFC 3339 as written by fmt_rfc3339; 0 on success. */
int parse_rfc3339(const char *s, uint64_t *ns);
/* "1.23s", "450ms" */
void fmt_duration(uint64_t ns, char *buf, size_t len);

const char *errno_name(int err);  /* "EACCES"; NULL if unknown */
/* The name of a kernel return value -errno ("EACCES" for -13); NULL for
 * anything outside -4095..-1 (so no caller negates an unbounded value). */
const char *errno_name_of(int64_t ret);
const char *signal_name(int sig); /* "SIGKILL"; NULL if unknown */

/* Read a whole small file (procfs, cgroupfs) into buf; returns length or -1. */
long read_small_file(const char *path, char *buf, size_t len);
int write_small_file(const char *path, const char *data);
/* pid's cgroup v2 path from /proc/PID/cgroup (the "0::" line, e.g.
 * "/user.slice/x"); 0, or -1 when the pid is gone or has no v2 line. */
int proc_cgroup2_path(uint32_t pid, char *out, size_t len);
/* mkdir -p */
int mkdir_p(const char *path, unsigned mode);

#endif
