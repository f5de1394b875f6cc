/* load.c: parallel verification of the BPF programs (see
 * load.h). Only tracing programs move to the extra objects: the cgroup
 * and socket programs stay in the skeleton, where src/egress/ attaches them. The
 * split is a longest-first greedy one on instruction counts. The number of
 * loaders is the number of online CPUs, at most PROBE_MAX_LOADERS;
 * PROCTOR_LOAD_THREADS=N overrides it (1 = the plain sequential load). */
#include "probe/load.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proctor.skel.h"
#include "util/util.h"

#define MAX_PROGS 512

struct loader {
	struct bpf_object *obj;
	int rc;
	uint64_t ns;
};

static int neg_errno(void)
{
	return errno ? -errno : -EINVAL;
}

static int loader_count(void)
{
	const char *v = getenv("PROCTOR_LOAD_THREADS");
	long n = v && *v ? strtol(v, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > PROBE_MAX_LOADERS ? PROBE_MAX_LOADERS : (int)n;
}

static struct bpf_object *open_copy(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "proctor_bpf");
	size_t sz;
	const void *elf = proctor_bpf__elf_bytes(&sz);

	return bpf_object__open_mem(elf, sz, &opts);
}

/* owner[i]: which loader verifies the i-th program (0 = the skeleton). */
static int split_programs(struct bpf_object *obj, int n, unsigned char *owner)
{
	size_t load[PROBE_MAX_LOADERS] = {0}, w[MAX_PROGS];
	bool done[MAX_PROGS] = {0};
	struct bpf_program *p;
	int cnt = 0, i, k, best;

	bpf_object__for_each_program(p, obj)
	{
		if (cnt == MAX_PROGS)
			return -E2BIG;
		w[cnt] = bpf_program__insn_cnt(p);
		owner[cnt] = 0;
		if (bpf_program__type(p) != BPF_PROG_TYPE_TRACING) {
			load[0] += w[cnt];
			done[cnt] = true;
		}
		cnt++;
	}
	for (;;) { /* heaviest remaining program to the least loaded loader */
		for (best = -1, i = 0; i < cnt; i++)
			if (!done[i] && (best < 0 || w[i] > w[best]))
				best = i;
		if (best < 0)
			break;
		for (k = 0, i = 1; i < n; i++)
			if (load[i] < load[k])
				k = i;
		owner[best] = (unsigned char)k;
		load[k] += w[best];
		done[best] = true;
	}
	return cnt;
}

static void set_autoload(struct bpf_object *obj, const unsigned char *owner, int me)
{
	struct bpf_program *p;
	int i = 0;

	bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, owner[i++] == me);
}

/* The map-only copy: same sizes and initial contents as the skeleton's. */
static struct bpf_object *create_maps(struct proctor_bpf *skel)
{
	struct bpf_object *m = open_copy();
	struct bpf_program *p;
	struct bpf_map *mm, *sm;
	const void *init;
	size_t sz;

	if (!m)
		return NULL;
	bpf_object__for_each_program(p, m) bpf_program__set_autoload(p, false);
	bpf_object__for_each_map(mm, m)
	{
		sm = bpf_object__find_map_by_name(skel->obj, bpf_map__name(mm));
		if (!sm || bpf_map__set_max_entries(mm, bpf_map__max_entries(sm)))
			goto fail;
		init = bpf_map__initial_value(sm, &sz);
		if (init && bpf_map__set_initial_value(mm, init, sz))
			goto fail;
	}
	if (bpf_object__load(m))
		goto fail;
	return m;
fail:
	bpf_object__close(m);
	return NULL;
}

static int reuse_maps(struct bpf_object *obj, struct bpf_object *from)
{
	struct bpf_map *m, *f;
	int rc;

	bpf_object__for_each_map(m, obj)
	{
		f = bpf_object__find_map_by_name(from, bpf_map__name(m));
		if (!f)
			return -ENOENT;
		if ((rc = bpf_map__reuse_fd(m, bpf_map__fd(f))))
			return rc;
	}
	return 0;
}

static void *load_thread(void *arg)
{
	struct loader *l = arg;
	uint64_t t0 = now_monotonic_ns();

	l->rc = bpf_object__load(l->obj);
	l->ns = now_monotonic_ns() - t0;
	return NULL;
}

static void mark_tails(struct bpf_object *obj, bool (*is_tail)(const char *name))
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) if (is_tail(bpf_program__name(p)))
		bpf_program__set_autoattach(p, false);
}

static bool is_cgroup_program(const struct bpf_program *p)
{
	switch (bpf_program__type(p)) {
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_CGROUP_SKB: return true;
	default: return false;
	}
}

/* Re-opened pinned state: the pinned links hold the running programs and
 * the pinned maps their routes and tail calls, so only the programs a
 * session attaches to its cgroup (egress) are loaded here, against the
 * pinned maps (set on the skeleton). The rest would be verified for
 * nothing: that made a restart slower than a first start. */
static int load_cgroup_programs_only(struct probe *s)
{
	struct bpf_program *p;
	uint64_t t0 = now_monotonic_ns();
	int rc, n = 0;

	bpf_object__for_each_program(p, s->skel->obj)
	{
		bool mine = is_cgroup_program(p);
		bpf_program__set_autoload(p, mine);
		n += mine;
	}
	rc = proctor_bpf__load(s->skel);
	dbg_msg("bpf re-open: %d cgroup programs loaded in %.1f ms", n,
		(double)(now_monotonic_ns() - t0) / 1e6);
	return rc;
}

int probe_load_parallel(struct probe *s, bool (*is_tail)(const char *name))
{
	struct loader ld[PROBE_MAX_LOADERS] = {{0}};
	pthread_t th[PROBE_MAX_LOADERS];
	bool started[PROBE_MAX_LOADERS] = {0};
	unsigned char owner[MAX_PROGS];
	struct bpf_object *maps = NULL;
	int n = loader_count(), i, rc;
	uint64_t t0 = now_monotonic_ns(), t1;

	mark_tails(s->skel->obj, is_tail);
	if (s->reopened) /* the pinned links keep running the rest */
		return load_cgroup_programs_only(s);
	if (n == 1)
		return proctor_bpf__load(s->skel);
	if (split_programs(s->skel->obj, n, owner) < 0 || !(maps = create_maps(s->skel))) {
		/* nothing shared yet: the plain sequential load still works */
		dbg_msg("parallel BPF load unavailable, loading sequentially");
		return proctor_bpf__load(s->skel);
	}
	t1 = now_monotonic_ns();
	rc = reuse_maps(s->skel->obj, maps);
	set_autoload(s->skel->obj, owner, 0);
	for (i = 1; i < n && !rc; i++) {
		if (!(ld[i].obj = open_copy())) {
			rc = neg_errno();
			break;
		}
		s->extra[i - 1] = ld[i].obj;
		mark_tails(ld[i].obj, is_tail);
		set_autoload(ld[i].obj, owner, i);
		rc = reuse_maps(ld[i].obj, maps);
	}
	for (i = 1; i < n && !rc; i++) {
		if ((rc = -pthread_create(&th[i], NULL, load_thread, &ld[i])))
			break;
		started[i] = true;
	}
	if (!rc) {
		uint64_t t = now_monotonic_ns();
		rc = proctor_bpf__load(s->skel);
		ld[0].ns = now_monotonic_ns() - t;
	}
	for (i = 1; i < n; i++) {
		if (!started[i])
			continue;
		pthread_join(th[i], NULL);
		if (!rc)
			rc = ld[i].rc;
	}
	bpf_object__close(maps); /* the loaded objects hold their own map fds */
	for (i = 0; i < n; i++)
		dbg_msg("bpf loader %d/%d: %.1f ms", i + 1, n, (double)ld[i].ns / 1e6);
	dbg_msg("bpf maps %.1f ms, parallel load %.1f ms", (double)(t1 - t0) / 1e6,
		(double)(now_monotonic_ns() - t1) / 1e6);
	return rc;
}

struct bpf_program *probe_find_prog(struct probe *s, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(s->skel->obj, name);
	size_t i;

	if (p && bpf_program__fd(p) >= 0)
		return p;
	for (i = 0; i < PROBE_MAX_LOADERS - 1 && s->extra[i]; i++) {
		p = bpf_object__find_program_by_name(s->extra[i], name);
		if (p && bpf_program__fd(p) >= 0)
			return p;
	}
	return NULL;
}

int probe_attach_extra(struct probe *s)
{
	struct bpf_program *p;
	struct bpf_link *l;
	size_t i, cap = 0;

	for (i = 0; i < PROBE_MAX_LOADERS - 1 && s->extra[i]; i++) {
		bpf_object__for_each_program(p, s->extra[i])
		{
			if (!bpf_program__autoload(p) || !bpf_program__autoattach(p))
				continue;
			if (s->n_extra_links == cap) {
				struct bpf_link **n;
				cap = cap ? cap * 2 : 16;
				n = realloc(s->extra_links, cap * sizeof(*n));
				if (!n)
					return -ENOMEM;
				s->extra_links = n;
			}
			l = bpf_program__attach(p);
			if (!l)
				return neg_errno();
			s->extra_links[s->n_extra_links++] = l;
		}
	}
	return 0;
}

void probe_close_extra(struct probe *s)
{
	size_t i;

	for (i = 0; i < s->n_extra_links; i++)
		bpf_link__destroy(s->extra_links[i]);
	free(s->extra_links);
	s->extra_links = NULL;
	s->n_extra_links = 0;
	for (i = 0; i < PROBE_MAX_LOADERS - 1; i++) {
		bpf_object__close(s->extra[i]);
		s->extra[i] = NULL;
	}
}
