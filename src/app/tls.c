/* tls.c: wiring of the LLM visibility (tls.h): tls.map and exec -> a hook
 * for that process (src/probe/tls.c); a Bun executable's BoringSSL offsets
 * from the signature file, or from the locator on a thread, the process
 * hooked when they are known; tls.data -> src/llm -> pipeline. */
#include "app/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/app.h"
#include "app/toolcall_records.h"
#include "probe/tls.h"

static struct record *llm_begin(void *ctx, const struct pr_hdr *h, uint16_t type,
				const char *type_name)
{
	struct app *a = ctx;
	struct record *r = pipeline_record(&a->pipeline);
	struct pr_hdr hh = *h;

	hh.type = type;
	r->session_key = h->session_key;
	r->cgroup_id = h->cgroup_id;
	r->pid = h->pid;
	decode_common(&a->dctx, &hh, type_name, r);
	return r;
}

static void llm_commit(void *ctx, struct record *r)
{
	struct app *a = ctx;

	app_telemetry_saw(a, r);
	pipeline_commit(&a->pipeline, r);
}

static void llm_tool(void *ctx, const struct pr_hdr *h, const char *id, const char *command)
{
	struct app *a = ctx;

	toolcalls_expect(&a->toolcalls, h->session_key, h->pid, id, command);
}

/* A shipped data file (tls-signatures, llm-prices): $env, else the
 * installed one, else the source tree's (data/ next to build/proctor). */
static void data_path(const char *envname, const char *name, char *buf, size_t len)
{
	const char *env = getenv(envname);
	char exe[PATH_MAX];
	ssize_t n;

	if (env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	snprintf(buf, len, "/usr/share/proctor/%s", name);
	if (!access(buf, F_OK) || (n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return;
	exe[n] = 0;
	*(strrchr(exe, '/') ?: exe) = 0;
	if (snprintf(buf, len, "%s/../data/%s", exe, name) >= (int)len)
		buf[0] = 0; /* no such path: no file */
}

/* The cache of offsets the locator found: $PROCTOR_TLS_CACHE ("none": no
 * cache), else /var/lib/proctor/tls-signatures for root. */
static void cache_path(char *buf, size_t len)
{
	const char *env = getenv("PROCTOR_TLS_CACHE");

	if (env)
		snprintf(buf, len, "%s", strcmp(env, "none") ? env : "");
	else
		snprintf(buf, len, "%s", geteuid() ? "" : "/var/lib/proctor/tls-signatures");
}

static void load_sigs(struct app_tls *t)
{
	char err[512];
	size_t i;

	data_path("PROCTOR_TLS_SIGNATURES", "tls-signatures", t->sigs_path, sizeof(t->sigs_path));
	cache_path(t->cache_path, sizeof(t->cache_path));
	if (t->cache_path[0] && tls_sigs_load(&t->cache, t->cache_path, err, sizeof(err))) {
		snprintf(t->sigs_warning, sizeof(t->sigs_warning), "%s (ignored)", err);
		tls_sigs_free(&t->cache);
	}
	for (i = 0; i < t->cache.n; i++)
		tls_sigs_add(&t->sigs, &t->cache.v[i]);
	/* the shipped file last: its entries win over the cache's */
	if (tls_sigs_load(&t->sigs, t->sigs_path, err, sizeof(err)))
		snprintf(t->sigs_warning, sizeof(t->sigs_warning), "%s (ignored)", err);
}

/* The price table of llm.cost_usd; refused or missing: calls go unpriced
 * and the summary says why. */
static void load_prices(struct app *r)
{
	struct app_tls *t = &r->tls;
	char path[512], err[512];

	data_path("PROCTOR_LLM_PRICES", "llm-prices", path, sizeof(path));
	if (!path[0] || llm_prices_load(&t->prices, path, err, sizeof(err))) {
		snprintf(t->prices_warning, sizeof(t->prices_warning), "%s",
			 path[0] ? err : "llm-prices: path too long");
		return;
	}
	r->llm.prices = &t->prices;
}

void app_tls_start(struct app *r)
{
	struct llm_emit e = {.begin = llm_begin, .commit = llm_commit, .ctx = r, .tool = llm_tool};
	if (llm_init(&r->llm, &e))
		snprintf(r->tls.error, sizeof(r->tls.error), "out of memory");
	else
		r->tls.error[0] = 0;
	load_sigs(&r->tls);
	load_prices(r);
	r->llm.capture_content = r->tls.capture_content;
	tls_gate_start(&r->tls.gate, &r->probe);
}

void app_tls_on_event(struct app *r, const void *data, size_t len)
{
	if (r->llm.conns)
		llm_feed(&r->llm, data, len);
}

/* The kind of the executable at exe (inode st), inspected once. */
static int exe_kind(struct app_tls *t, const char *exe, const struct stat *st)
{
	int i, kind;

	for (i = 0; i < t->nexes; i++)
		if (t->exes[i].dev == st->st_dev && t->exes[i].ino == st->st_ino)
			return t->exes[i].kind;
	kind = probe_tls_inspect(exe);
	if (t->nexes < APP_TLS_EXES) {
		t->exes[t->nexes].dev = st->st_dev;
		t->exes[t->nexes].ino = st->st_ino;
		t->exes[t->nexes++].kind = (uint8_t)kind;
	}
	return kind;
}

/* Once per session and inode: an llm.capture saying why exe is not hooked. */
static void tell_unhooked(struct app *r, const struct pr_hdr *h, const char *exe, uint64_t ino,
			  const char *why)
{
	struct app_tls *t = &r->tls;
	struct record *rec;
	int i;

	for (i = 0; i < t->nwarned; i++)
		if (t->warned[i].session_key == h->session_key && t->warned[i].ino == ino)
			return;
	if (t->nwarned < APP_TLS_WARNS) {
		t->warned[t->nwarned].session_key = h->session_key;
		t->warned[t->nwarned++].ino = ino;
	}
	t->unhooked++;
	snprintf(t->unhooked_why, sizeof(t->unhooked_why), "%s: %s", exe, why);
	rec = llm_begin(r, h, PR_EV_LLM_CAPTURE, "llm.capture");
	record_add_bool(rec, "llm.capture.hooked", false);
	record_add_str(rec, "llm.capture.reason", why);
	record_add_str(rec, "tls.library.path", exe);
	pipeline_commit(&r->pipeline, rec);
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The hook table entry of a session, made on first use (NULL: table full). */
static struct app_tls_session *tls_session(struct app_tls *t, uint64_t key, bool make)
{
	struct app_tls_session *free_slot = NULL;
	int i;

	for (i = 0; i < APP_TLS_SESSIONS; i++) {
		if (t->sessions[i].key == key)
			return &t->sessions[i];
		if (!t->sessions[i].key && !free_slot)
			free_slot = &t->sessions[i];
	}
	if (!make || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->key = key;
	return free_slot;
}

/* A process of the session exited before its library could be hooked:
 * whatever TLS it did is not captured (counted, never silent). */
static void missed(struct app *r, const struct pr_hdr *h)
{
	struct app_tls_session *ts = tls_session(&r->tls, h->session_key, true);

	r->tls.missed++;
	if (ts)
		ts->missed++;
}

/* The attach at link failed because the process or its mapping went away
 * (it exited, or exec'd since the event: link resolves to nothing now). */
static bool went_away(const struct pr_hdr *h, const char *link)
{
	char proc[32];
	struct stat st;

	snprintf(proc, sizeof(proc), "/proc/%u", h->pid);
	return access(proc, F_OK) || stat(link, &st);
}

/* Hook the library lib at link (a /proc link to the mapped file (dev, ino),
 * shown as shown) for h's process, and note how long after h it landed. */
static void hook(struct app *r, const struct pr_hdr *h, const char *link, uint64_t dev,
		 uint64_t ino, const char *shown, enum pr_tls_lib lib, char *err, size_t errlen)
{
	struct app_tls_session *ts;
	uint64_t delay, at = 0;
	int rc, i;

	rc = probe_tls_attach(&r->probe, h->pid, link, lib, 0, &at, err, errlen);
	if (rc == 0)
		return;
	ts = tls_session(&r->tls, h->session_key, true);
	if (rc < 0) {
		if (went_away(h, link)) { /* not a failure of the hook */
			/* hooked by the gate already: the process's next mapping of
			 * the file (after its exec) claims it */
			if (!probe_tls_hooked(&r->probe, h->pid, dev, ino))
				missed(r, h);
			return;
		}
		r->tls.failed++;
		if (ts)
			snprintf(ts->reason, sizeof(ts->reason), "%s", err);
		tell_unhooked(r, h, shown, 0, err);
		return;
	}
	/* 0 when the gate hooked it before the mapping */
	delay = at > h->ts_ns ? at - h->ts_ns : 0;
	r->tls.hooks++;
	if (delay > r->tls.max_delay_ns)
		r->tls.max_delay_ns = delay;
	if (!ts)
		return;
	ts->hooks++;
	ts->libs |= 1u << lib;
	if (delay > ts->max_delay_ns)
		ts->max_delay_ns = delay;
	for (i = 0; i < ts->npaths && strcmp(ts->paths[i], shown); i++)
		;
	if (i == ts->npaths && i < APP_TLS_PATHS)
		snprintf(ts->paths[ts->npaths++], sizeof(ts->paths[0]), "%s", shown);
}

/* Hook a Bun process at its executable's known offsets (h: its exec). */
static void hook_bun(struct app *r, const struct pr_hdr *h, const char *exe, uint64_t dev,
		     uint64_t ino)
{
	char err[512], link[64];

	snprintf(link, sizeof(link), "/proc/%u/exe", h->pid);
	hook(r, h, link, dev, ino, exe, PR_TLS_LIB_BORINGSSL, err, sizeof(err));
	tls_gate_add(&r->tls.gate, link, PR_TLS_LIB_BORINGSSL, true); /* its next exec */
}

/* The offsets from the signature table, checked against the file's bytes:
 * 0 when set in the probe, -1 when there is no entry (or it does not fit). */
static int bun_from_sigs(struct app *r, const char *path, const struct stat *st, const uint8_t *id,
			 int idlen)
{
	const struct tls_sig *sig;
	char err[512];

	if (idlen <= 0 || !(sig = tls_sigs_find(&r->tls.sigs, id, (size_t)idlen)))
		return -1;
	if (tls_sigs_check(path, sig, err, sizeof(err))) {
		snprintf(r->tls.sigs_warning, sizeof(r->tls.sigs_warning), "%s", err);
		return -1;
	}
	probe_tls_set_offsets(&r->probe, st->st_dev, st->st_ino, sig->read_off, sig->write_off);
	r->tls.bun_from_sigs++;
	return 0;
}

static void *scan_main(void *arg)
{
	struct app_tls_scan *sc = arg;
	uint64_t t0 = boot_ns();

	sc->rc = tls_boring_locate(sc->path, &sc->loc, sc->err, sizeof(sc->err));
	sc->ns = boot_ns() - t0;
	atomic_store(&sc->done, true);
	return NULL;
}

/* Scan the executable of the first pending process (none under way). */
static void start_scan(struct app *r)
{
	struct app_tls_scan *sc = &r->tls.scan;
	struct app_tls_pending *p = &r->tls.pending[0];

	if (sc->running || !r->tls.npending)
		return;
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->path, sizeof(sc->path), "/proc/%u/exe", p->h.pid);
	/* the file itself, open: the process may exit before the scan ends */
	if ((sc->fd = open(sc->path, O_RDONLY | O_CLOEXEC)) >= 0)
		snprintf(sc->path, sizeof(sc->path), "/proc/self/fd/%d", sc->fd);
	sc->dev = p->dev;
	sc->ino = p->ino;
	sc->idlen = tls_sigs_build_id(sc->path, sc->id, sc->err, sizeof(sc->err));
	r->tls.bun_scans++;
	if (pthread_create(&sc->thread, NULL, scan_main, sc)) {
		scan_main(sc); /* no thread: the loop waits, the hook still lands */
		return;
	}
	sc->running = true;
}

static void bun_exec(struct app *r, const struct pr_hdr *h, const char *exe, const struct stat *st)
{
	struct app_tls *t = &r->tls;
	uint8_t id[TLS_SIG_ID_MAX];
	char link[64], err[256];
	int idlen, i;

	snprintf(link, sizeof(link), "/proc/%u/exe", h->pid);
	if (probe_tls_known(&r->probe, st->st_dev, st->st_ino)) {
		hook_bun(r, h, exe, st->st_dev, st->st_ino);
		return;
	}
	for (i = 0; i < t->nbun_failed; i++)
		if (t->bun_failed[i].dev == st->st_dev && t->bun_failed[i].ino == st->st_ino) {
			tell_unhooked(r, h, exe, st->st_ino, t->bun_failed[i].why);
			return;
		}
	idlen = tls_sigs_build_id(link, id, err, sizeof(err));
	if (!bun_from_sigs(r, link, st, id, idlen)) {
		hook_bun(r, h, exe, st->st_dev, st->st_ino);
		return;
	}
	if (t->npending == APP_TLS_PENDING) {
		tell_unhooked(r, h, exe, st->st_ino,
			      "Bun executable: BoringSSL's offsets unknown and more than 64 "
			      "processes wait for a scan");
		return;
	}
	t->pending[t->npending].h = *h;
	t->pending[t->npending].dev = st->st_dev;
	t->pending[t->npending].ino = st->st_ino;
	snprintf(t->pending[t->npending++].exe, sizeof(t->pending[0].exe), "%s", exe);
	if (!t->scan.running && !atomic_load(&t->scan.done))
		start_scan(r);
}

/* The scan found the offsets: remembered for the engine's life and in the
 * cache file (by build id), so the next run hooks at exec. */
static void scan_found(struct app *r, struct app_tls_scan *sc)
{
	struct app_tls *t = &r->tls;
	struct tls_sig sig = {.read_off = sc->loc.read_off, .write_off = sc->loc.write_off};
	char err[512];

	probe_tls_set_offsets(&r->probe, sc->dev, sc->ino, sc->loc.read_off, sc->loc.write_off);
	if (sc->idlen <= 0 || tls_sigs_read_heads(sc->path, &sig, err, sizeof(err)))
		return;
	memcpy(sig.id, sc->id, (size_t)sc->idlen);
	sig.idlen = (size_t)sc->idlen;
	snprintf(sig.comment, sizeof(sig.comment), "located by proctor %s", PROCTOR_VERSION);
	tls_sigs_add(&t->sigs, &sig);
	if (!t->cache_path[0] || tls_sigs_add(&t->cache, &sig))
		return;
	if (tls_sigs_save(&t->cache, t->cache_path, err, sizeof(err)))
		snprintf(t->sigs_warning, sizeof(t->sigs_warning), "TLS signature cache: %s", err);
}

void app_tls_tick(struct app *r)
{
	struct app_tls *t = &r->tls;
	struct app_tls_scan *sc = &t->scan;
	char why[400], link[64];
	int i = 0;

	if (!atomic_load(&sc->done))
		return;
	if (sc->running)
		pthread_join(sc->thread, NULL);
	sc->running = false;
	atomic_store(&sc->done, false);
	if (sc->ns > t->bun_scan_max_ns)
		t->bun_scan_max_ns = sc->ns;
	snprintf(why, sizeof(why), "Bun executable: BoringSSL's SSL_read/SSL_write not located: %s",
		 sc->err);
	if (!sc->rc)
		scan_found(r, sc);
	else {
		i = t->nbun_failed < 8 ? t->nbun_failed++ : (int)(sc->ino % 8);
		t->bun_failed[i].dev = sc->dev;
		t->bun_failed[i].ino = sc->ino;
		snprintf(t->bun_failed[i].why, sizeof(t->bun_failed[i].why), "%s", why);
	}
	if (sc->fd >= 0)
		close(sc->fd);
	sc->fd = -1;
	i = 0;
	while (i < t->npending) {
		struct app_tls_pending *p = &t->pending[i];
		struct stat st;

		if (p->dev != sc->dev || p->ino != sc->ino) {
			i++;
			continue;
		}
		snprintf(link, sizeof(link), "/proc/%u/exe", p->h.pid);
		if (stat(link, &st) || st.st_dev != p->dev || st.st_ino != p->ino)
			missed(r, &p->h); /* gone, or runs another image now */
		else if (sc->rc)
			tell_unhooked(r, &p->h, p->exe, p->ino, why);
		else
			hook_bun(r, &p->h, p->exe, p->dev, p->ino);
		*p = t->pending[--t->npending];
	}
	start_scan(r); /* another executable waiting */
}

/* pid exited (or its session ended: pid 0, key): it waits no more. */
static void forget_pending(struct app *r, uint32_t pid, uint64_t session_key)
{
	struct app_tls *t = &r->tls;
	int i = 0;

	while (i < t->npending) {
		struct app_tls_pending *p = &t->pending[i];

		if (pid ? p->h.pid != pid : p->h.session_key != session_key) {
			i++;
			continue;
		}
		missed(r, &p->h);
		*p = t->pending[--t->npending];
	}
}

void app_tls_stop(struct app *r)
{
	struct app_tls *t = &r->tls;

	tls_gate_stop(&t->gate);
	if (t->scan.running)
		pthread_join(t->scan.thread, NULL);
	if (t->scan.running && t->scan.fd >= 0)
		close(t->scan.fd);
	t->scan.running = false;
	t->npending = 0;
	tls_sigs_free(&t->sigs);
	tls_sigs_free(&t->cache);
}

void app_tls_on_exec(struct app *r, const struct pr_hdr *h, const char *exe)
{
	char err[512], link[64];
	struct stat st;

	if (!exe || !*exe || stat(exe, &st) || !S_ISREG(st.st_mode))
		return;
	switch (exe_kind(&r->tls, exe, &st)) {
	case PROBE_TLS_OPENSSL:
		/* the image the process runs, even when exe was replaced since */
		snprintf(link, sizeof(link), "/proc/%u/exe", h->pid);
		hook(r, h, link, st.st_dev, st.st_ino, exe, PR_TLS_LIB_OPENSSL, err, sizeof(err));
		tls_gate_add(&r->tls.gate, link, PR_TLS_LIB_OPENSSL, true); /* its next exec */
		break;
	case PROBE_TLS_BUN: bun_exec(r, h, exe, &st); break;
	default: break;
	}
}

/* The executable mapping at addr of inode ino in pid: its map_files link
 * (the mapped file, even when replaced or deleted) and the path it shows. */
static int find_mapping(uint32_t pid, uint64_t ino, uint64_t addr, char *link, size_t linklen,
			char *shown, size_t shownlen)
{
	char path[64], line[1024], perms[8];
	unsigned long start, end, off, inode;
	unsigned maj, min;
	int n, rc = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (rc && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &start, &end, perms, &off, &maj,
			   &min, &inode, &n) < 7 ||
		    inode != ino || start != addr || perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(link, linklen, "/proc/%u/map_files/%lx-%lx", pid, start, end);
		snprintf(shown, shownlen, "%s", line + n);
		rc = 0;
	}
	fclose(f);
	return rc;
}

void app_tls_on_map(struct app *r, const void *data, size_t len)
{
	const struct pr_tls_map *m = data;
	char err[512], link[96], shown[256];
	struct stat st;

	if (len < sizeof(*m))
		return;
	if (find_mapping(m->hdr.pid, m->ino, m->addr, link, sizeof(link), shown, sizeof(shown)) ||
	    stat(link, &st)) {
		missed(r, &m->hdr); /* exited (or unmapped) before the hook */
		return;
	}
	/* the kernel matched the name (libssl*, libgnutls*); the symbols say which */
	switch (exe_kind(&r->tls, link, &st)) {
	case PROBE_TLS_OPENSSL:
		hook(r, &m->hdr, link, st.st_dev, st.st_ino, shown, PR_TLS_LIB_OPENSSL, err,
		     sizeof(err));
		tls_gate_add(&r->tls.gate, link, PR_TLS_LIB_OPENSSL, false); /* its next open */
		break;
	case PROBE_TLS_GNUTLS:
		hook(r, &m->hdr, link, st.st_dev, st.st_ino, shown, PR_TLS_LIB_GNUTLS, err,
		     sizeof(err));
		tls_gate_add(&r->tls.gate, link, PR_TLS_LIB_GNUTLS, false);
		break;
	default: break; /* e.g. libssl-dev's other files, a libgnutlsxx */
	}
}

void app_tls_on_exit(struct app *r, uint32_t pid)
{
	if (r->tls.npending)
		forget_pending(r, pid, 0);
	probe_tls_detach_pid(&r->probe, pid);
}

/* tls.library at session end: the libraries hooked, "openssl,gnutls". */
static void add_libraries(struct record *rec, uint32_t libs)
{
	char names[64] = "";
	unsigned lib;

	for (lib = PR_TLS_LIB_OPENSSL; lib <= PR_TLS_LIB_BORINGSSL; lib++)
		if (libs & 1u << lib)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? "," : "", llm_tls_library(lib));
	if (names[0])
		record_add_str(rec, "tls.library", names);
}

void app_tls_end_session(struct app *r, struct session *s)
{
	struct pr_tls_budget b;
	struct pr_hdr h = {.session_key = s->key, .ts_ns = boot_ns(), .comm = "proctor"};
	struct app_tls_session none = {0}, *ts = tls_session(&r->tls, s->key, false);
	const char *paths[APP_TLS_PATHS];
	struct record *rec;
	int i;

	if (r->llm.conns)
		llm_forget_session(&r->llm, s->key);
	if (r->tls.npending)
		forget_pending(r, 0, s->key);
	probe_tls_budget(&r->probe, s->key, &b);
	probe_tls_budget_forget(&r->probe, s->key);
	r->tls.cut_bytes += b.cut_bytes;
	if (!ts)
		ts = &none;
	if (!r->tls.error[0] && !ts->hooks && !ts->missed && !ts->reason[0] && !b.bytes &&
	    !b.cut_bytes)
		return; /* no process of the session mapped a TLS library */
	rec = llm_begin(r, &h, PR_EV_LLM_CAPTURE, "llm.capture");
	record_add_bool(rec, "llm.capture.hooked", !r->tls.error[0] && ts->hooks);
	if (r->tls.error[0])
		record_add_str(rec, "llm.capture.reason", r->tls.error);
	else if (ts->reason[0])
		record_add_str(rec, "llm.capture.reason", ts->reason);
	for (i = 0; i < ts->npaths; i++)
		paths[i] = ts->paths[i];
	record_add_strv(rec, "tls.library.path", paths, (uint32_t)ts->npaths);
	add_libraries(rec, ts->libs);
	record_add_int(rec, "tls.hooks", ts->hooks);
	record_add_int(rec, "tls.hooks.missed", ts->missed);
	record_add_int(rec, "tls.hook.max_delay_us", (int64_t)(ts->max_delay_ns / 1000));
	record_add_int(rec, "tls.bytes_captured", (int64_t)b.bytes);
	record_add_int(rec, "tls.bytes_cut", (int64_t)b.cut_bytes);
	record_add_int(rec, "tls.calls_cut", (int64_t)b.cut_calls);
	pipeline_commit(&r->pipeline, rec);
	if (ts != &none)
		ts->key = 0;
}

/* Tool calls by name and the cost of the priced calls. */
static void print_llm_usage(const struct app *r, FILE *f)
{
	const struct llm *l = &r->llm;
	int i;

	if (l->ntool_names) {
		fprintf(f, "proctor: tool calls:");
		for (i = 0; i < l->ntool_names; i++)
			fprintf(f, "%s %s %llu", i ? "," : "", l->tool_names[i].name,
				(unsigned long long)l->tool_names[i].n);
		if (l->tool_names_other)
			fprintf(f, ", other %llu", (unsigned long long)l->tool_names_other);
		fprintf(f, "\n");
	}
	if (l->priced)
		fprintf(f, "proctor: model cost $%.6f (%llu calls priced)\n", l->cost_usd,
			(unsigned long long)l->priced);
	if (l->unpriced)
		fprintf(f, "proctor: %llu model calls not priced (%s)\n",
			(unsigned long long)l->unpriced,
			r->tls.prices_warning[0] ? r->tls.prices_warning
						 : "model not in the price table");
	else if (r->tls.prices_warning[0] && l->calls)
		fprintf(f, "proctor: warning: price table: %s\n", r->tls.prices_warning);
}

void app_tls_print(const struct app *r, FILE *f)
{
	if (r->tls.sigs_warning[0])
		fprintf(f, "proctor: warning: %s\n", r->tls.sigs_warning);
	if (r->tls.bun_scans)
		fprintf(f,
			"proctor: %llu Bun executables with no usable TLS signature, located by "
			"scanning (longest %llu ms; their processes hooked only then)\n",
			(unsigned long long)r->tls.bun_scans,
			(unsigned long long)(r->tls.bun_scan_max_ns / 1000000));
	if (r->tls.error[0])
		fprintf(f,
			"proctor: warning: TLS plaintext not captured (no llm.call records): %s\n",
			r->tls.error);
	if (r->tls.missed)
		fprintf(f,
			"proctor: warning: %llu processes exited before their TLS library was "
			"hooked (their TLS plaintext, if any, not captured)\n",
			(unsigned long long)r->tls.missed);
	if (r->probe.tls.refused)
		fprintf(f, "proctor: warning: %llu TLS hooks refused (more than %d at once)\n",
			(unsigned long long)r->probe.tls.refused, PROBE_TLS_HOOKS);
	if (r->llm.calls || r->llm.tool_calls)
		fprintf(f,
			"proctor: %llu model calls, %llu tool calls, tokens %llu in / %llu out\n",
			(unsigned long long)r->llm.calls, (unsigned long long)r->llm.tool_calls,
			(unsigned long long)r->llm.in_tokens,
			(unsigned long long)r->llm.out_tokens);
	print_llm_usage(r, f);
	app_toolcalls_print(r, f);
	if (r->llm.unparsed_bytes)
		fprintf(f,
			"proctor: %llu bytes of TLS plaintext not HTTP/1.1 or begun mid-message "
			"(not read for model calls)\n",
			(unsigned long long)r->llm.unparsed_bytes);
	if (r->llm.unpaired)
		fprintf(f,
			"proctor: warning: %llu HTTP responses over TLS whose request was sent "
			"before the hook landed (any model call among them not recorded)\n",
			(unsigned long long)r->llm.unpaired);
	if (r->tls.unhooked)
		fprintf(f,
			"proctor: warning: %llu executables with TLS inside not hooked (no "
			"llm.call "
			"records from them): %s\n",
			(unsigned long long)r->tls.unhooked, r->tls.unhooked_why);
	if (r->tls.cut_bytes)
		fprintf(f,
			"proctor: warning: %llu bytes of TLS plaintext left out (budget or "
			"per-call cap)\n",
			(unsigned long long)r->tls.cut_bytes);
	if (r->llm.evicted)
		fprintf(f,
			"proctor: %llu connections with open model calls evicted (more than %d)\n",
			(unsigned long long)r->llm.evicted, LLM_CONNS);
}
