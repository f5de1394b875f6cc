/* probe.c: BPF load/attach, tracking map updates, ring-buffer reading and
 * kernel drop counters. libbpf's messages are captured so that a failed load
 * shows the verifier's reason instead of a bare errno. */
#include "probe/probe.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proctor.skel.h"
#include "probe/load.h"
#include "probe/pin.h"
#include "probe/syscall_table.h"
#include "util/util.h"

/* Last libbpf warnings (the verifier log arrives here on load failure).
 * Programs load in parallel threads: the log is shared under a lock. */
static char libbpf_log[16384];
static size_t libbpf_log_len;
static pthread_mutex_t libbpf_log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_append(const char *msg, size_t n)
{
	if (n >= sizeof(libbpf_log)) {
		/* keep the tail: the verifier's reason is at the end */
		msg += n - (sizeof(libbpf_log) - 1);
		n = sizeof(libbpf_log) - 1;
	}
	if (libbpf_log_len + n >= sizeof(libbpf_log)) {
		size_t keep = sizeof(libbpf_log) - 1 - n;
		if (keep > libbpf_log_len)
			keep = libbpf_log_len;
		memmove(libbpf_log, libbpf_log + libbpf_log_len - keep, keep);
		libbpf_log_len = keep;
	}
	memcpy(libbpf_log + libbpf_log_len, msg, n);
	libbpf_log_len += n;
	libbpf_log[libbpf_log_len] = 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n;

	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	pthread_mutex_lock(&libbpf_log_lock);
	if (verbose >= 2)
		fputs(msg, stderr);
	log_append(msg, (size_t)n);
	pthread_mutex_unlock(&libbpf_log_lock);
	free(msg);
	return n;
}

static void fail(char *err, size_t errlen, const char *what, int rc)
{
	const char *log = libbpf_log;
	size_t len = libbpf_log_len;

	/* Show the last ~3000 bytes of what libbpf/the verifier said. */
	if (len > 3000)
		log += len - 3000;
	snprintf(err, errlen, "%s: %s%s%s", what, strerror(rc < 0 ? -rc : rc),
		 len ? "\n--- libbpf / verifier output ---\n" : "", len ? log : "");
}

static uint64_t wall_offset(void)
{
	/* Bracket the boot clock read to halve the error. */
	uint64_t r1 = now_realtime_ns(), b = now_boottime_ns(), r2 = now_realtime_ns();
	return (r1 + (r2 - r1) / 2) - b;
}

static bool is_tail_program(const char *name)
{
	const struct syscall_hook *const *t;
	const struct syscall_hook *h;

	if (!strcmp(name, PR_IA32_PROG))
		return true;
	for (t = syscall_hook_tables; *t; t++)
		for (h = *t; h->prog; h++)
			if (!strcmp(h->prog, name))
				return true;
	return false;
}

/* The tls family's uprobes name no binary: src/probe/tls.c attaches them
 * per library. */
static void tls_no_autoattach(struct probe *s)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->skel->obj) if (!strncmp(bpf_program__name(p), "tls_", 4))
		bpf_program__set_autoattach(p, false);
}

/* Tail programs are loaded with the object but never attached. */
static int mark_tail_programs(struct probe *s, char *err, size_t errlen)
{
	const struct syscall_hook *const *t;
	const struct syscall_hook *h;
	struct bpf_program *p;

	for (t = syscall_hook_tables; *t; t++) {
		for (h = *t; h->prog; h++) {
			p = bpf_object__find_program_by_name(s->skel->obj, h->prog);
			if (!p) {
				snprintf(err, errlen, "syscall hook program '%s' is missing",
					 h->prog);
				return -1;
			}
			bpf_program__set_autoattach(p, false);
		}
	}
	return 0;
}

/* Route each hooked syscall number to its program, where the routing rule
 * (syscall_route_plan) puts it. */
static int fill_tail_calls(struct probe *s, char *err, size_t errlen)
{
	enum syscall_slot slot[SYSCALL_ROUTES_MAX];
	const struct syscall_hook *h;
	struct bpf_program *p;
	bool chain;
	uint32_t key;
	size_t i, n = syscall_hook_count();
	int fd, rc;

	if (n > sizeof(slot) / sizeof(slot[0])) {
		snprintf(err, errlen, "%zu syscall routes: more than the routing plan holds", n);
		return -1;
	}
	if (syscall_route_plan(syscall_hooks, slot, n, err, errlen))
		return -1;
	for (i = 0; i < n; i++) {
		h = &syscall_hooks[i];
		if (slot[i] == SLOT_ABSENT)
			continue;
		chain = slot[i] != SLOT_TAIL;
		p = probe_find_prog(s, h->prog);
		fd = p ? bpf_program__fd(p) : -ENOENT;
		key = (uint32_t)h->nr;
		rc = probe_map_route(s, h->on_exit, chain, key, fd);
		if (rc) {
			snprintf(err, errlen, "routing syscall %d to '%s': %s", h->nr, h->prog,
				 strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* ia32 syscalls all go to one program at entry (the closes first to the
 * file family's), and the file and network ones to their ia32 programs at
 * exit (see bpf/dispatch/syscalls.bpf.c). */
static int route_ia32(struct probe *s, char *err, size_t errlen)
{
	struct bpf_program *p = probe_find_prog(s, PR_IA32_PROG);
	const struct syscall_hook *h;
	int fd = p ? bpf_program__fd(p) : -ENOENT;
	int rc = probe_map_route_ia32(s, fd);

	if (rc) {
		snprintf(err, errlen, "routing ia32 syscalls: %s", strerror(-rc));
		return -1;
	}
	for (h = ia32_hooks; h->prog; h++) {
		p = probe_find_prog(s, h->prog);
		fd = p ? bpf_program__fd(p) : -ENOENT;
		if ((rc = probe_map_route_ia32_nr(s, h->on_exit, (uint32_t)h->nr, fd))) {
			snprintf(err, errlen, "routing ia32 syscall %d to '%s': %s", h->nr, h->prog,
				 strerror(-rc));
			return -1;
		}
	}
	return 0;
}

uint64_t probe_pending_bytes(const struct probe *s)
{
	return ring_pending(&s->ring);
}

/* Slots of the kernel's untracked-task filter (bpf/lib/task.h). The table
 * can be shrunk, for tests only, with PROCTOR_TRACK_FILTER_BITS=0..16: fewer
 * slots force cgroup ids to share one, exercising the hash fallback. */
static uint32_t track_filter_mask(void)
{
	const char *v = getenv("PROCTOR_TRACK_FILTER_BITS");
	uint32_t slots = ARRAY_SIZE(((struct proctor_bpf__bss *)0)->pr_track_filter);
	long bits;

	if (v && *v) {
		bits = strtol(v, NULL, 10);
		if (bits >= 0 && bits <= 16 && (1ul << bits) <= slots)
			slots = 1u << bits;
	}
	return slots - 1;
}

/* With a pin directory: re-use the maps a matching build pinned there
 * (their sizes win over ours), or note that this load gets pinned. */
static int open_pinned(struct probe *s, const struct probe_opts *o, char *err, size_t errlen)
{
	enum pin_state st;

	if (!o->pin_dir)
		return 0;
	snprintf(s->pin_dir, sizeof(s->pin_dir), "%s", o->pin_dir);
	if (probe_pin_check(s->pin_dir, &st, err, errlen))
		return -1;
	s->pinned = true;
	if (st != PIN_MATCH)
		return 0;
	if (probe_pin_reuse_maps(s, s->pin_dir, err, errlen))
		return -1;
	s->reopened = true;
	return 0;
}

int probe_open(struct probe *s, const struct probe_opts *o, char *err, size_t errlen)
{
	uint64_t t0 = now_monotonic_ns();
	uint32_t rb_bytes = o->ringbuf_bytes ? o->ringbuf_bytes : PR_RINGBUF_DEFAULT_MB << 20;
	int rc;

	memset(s, 0, sizeof(*s));
	libbpf_set_print(libbpf_print);
	libbpf_log_len = 0;

	s->skel = proctor_bpf__open();
	if (!s->skel) {
		fail(err, errlen, "opening the BPF object", errno);
		return -1;
	}
	if (s->skel->rodata->pr_abi_version != PR_ABI_VERSION) {
		snprintf(err, errlen,
			 "BPF object has ABI version %u, this proctor expects %u: rebuild",
			 (unsigned)s->skel->rodata->pr_abi_version, (unsigned)PR_ABI_VERSION);
		rc = -1;
		goto out;
	}
	s->skel->rodata->pr_cfg.wakeup_bytes = rb_bytes / 8;
	s->skel->rodata->pr_cfg.self_tgid = (uint32_t)getpid();
	s->skel->rodata->pr_track_filter_mask = track_filter_mask();
	if ((rc = probe_map_size_ringbuf(s, rb_bytes))) {
		fail(err, errlen, "sizing the ring buffer", rc);
		goto out;
	}
	if ((rc = mark_tail_programs(s, err, errlen)))
		goto out;
	bpf_program__set_autoattach(s->skel->progs.tail_sec_ia32_enter, false);
	tls_no_autoattach(s);
	pthread_mutex_init(&s->tls.lock, NULL);
	if ((rc = open_pinned(s, o, err, errlen)))
		goto out;
	/* Re-opened: loaded for the cgroup programs sessions attach, but the
	 * pinned links and routes keep the programs that are running. */
	if ((rc = probe_load_parallel(s, is_tail_program))) {
		fail(err, errlen, "loading BPF programs (kernel verifier rejected them)", rc);
		goto out;
	}
	if (!s->reopened) {
		if ((rc = fill_tail_calls(s, err, errlen)) || (rc = route_ia32(s, err, errlen)))
			goto out;
		if ((rc = proctor_bpf__attach(s->skel)) || (rc = probe_attach_extra(s))) {
			fail(err, errlen, "attaching BPF programs", rc);
			goto out;
		}
		if (s->pinned && (rc = probe_pin_all(s, s->pin_dir, err, errlen))) {
			probe_pin_remove(s->pin_dir);
			goto out;
		}
	}
	if ((rc = ring_open(&s->ring, probe_map_ringbuf_fd(s), probe_map_ringbuf_bytes(s),
			    o->on_event, o->ctx))) {
		fail(err, errlen, "mapping the ring buffer", rc);
		goto out;
	}
	s->wall_offset_ns = wall_offset();
	s->load_ns = now_monotonic_ns() - t0;
	dbg_msg("bpf load+attach took %.1f ms", (double)s->load_ns / 1e6);
	return 0;
out:
	probe_close(s);
	return -1;
}

void probe_close(struct probe *s)
{
	if (s->skel)
		probe_tls_detach_all(s);
	ring_close(&s->ring);
	probe_close_extra(s);
	proctor_bpf__destroy(s->skel);
	s->skel = NULL;
}

int probe_fd(struct probe *s)
{
	return s->ring.fd;
}

int probe_consume(struct probe *s)
{
	return ring_consume(&s->ring);
}

void probe_defer_release(struct probe *s, bool on)
{
	s->ring.deferred = on;
}

uint64_t probe_read_pos(const struct probe *s)
{
	return s->ring.read_pos;
}

uint64_t probe_cur_pos(const struct probe *s)
{
	return s->ring.cur_pos;
}

void probe_release(struct probe *s, uint64_t pos)
{
	ring_release(&s->ring, pos);
}

int probe_attach_cgroup_net(struct probe *s, int cg_fd, const char *cg_name,
			    struct bpf_link **links, int max, char *err, size_t errlen)
{
	struct bpf_program *progs[] = {
		s->skel->progs.net_connect4,	s->skel->progs.net_connect6,
		s->skel->progs.net_sendmsg4,	s->skel->progs.net_sendmsg6,
		s->skel->progs.net_sock_create, s->skel->progs.net_sockops,
		s->skel->progs.net_skb_egress,	s->skel->progs.net_skb_ingress,
	};
	int i, n = 0;

	for (i = 0; i < (int)ARRAY_SIZE(progs) && n < max; i++) {
		struct bpf_link *l = bpf_program__attach_cgroup(progs[i], cg_fd);
		if (!l) {
			snprintf(err, errlen, "attaching %s to cgroup %s: %s",
				 bpf_program__name(progs[i]), cg_name, strerror(errno));
			while (n > 0)
				bpf_link__destroy(links[--n]);
			return -1;
		}
		links[n++] = l;
	}
	if (i < (int)ARRAY_SIZE(progs)) {
		snprintf(err, errlen, "%d network programs, room for %d links",
			 (int)ARRAY_SIZE(progs), max);
		while (n > 0)
			bpf_link__destroy(links[--n]);
		return -1;
	}
	return n;
}
