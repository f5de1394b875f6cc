/* tls.c: attaching the tls family's uprobes (bpf/tls/openssl.bpf.c) to a
 * TLS library for one tracked process (perf uprobes with a pid: no other
 * process carries a breakpoint, and registering one skips installing into
 * every mm that maps the library), at the functions' dynamic symbols
 * (resolved once per inode). A library whose symbols are missing is refused
 * with the reason, nothing left half attached. */
#include "probe/tls.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"
#include "proctor.skel.h"

struct uprobe_spec {
	const char *func;
	bool ret;
	int prog; /* index into tls_prog's programs */
};

/* The functions of one library: n specs, in hook order. */
struct lib_spec {
	int n;
	const struct uprobe_spec *fn;
};

static struct bpf_program *tls_prog(struct proctor_bpf *k, int i)
{
	struct bpf_program *p[] = {
		k->progs.tls_ossl_read,	    k->progs.tls_ossl_read_ret,
		k->progs.tls_ossl_write,    k->progs.tls_ossl_write_ret,
		k->progs.tls_ossl_read_ex,  k->progs.tls_ossl_read_ex_ret,
		k->progs.tls_ossl_write_ex, k->progs.tls_ossl_write_ex_ret,
	};
	return p[i];
}

static const struct uprobe_spec openssl_specs[8] = {
	{"SSL_read", false, 0},	    {"SSL_read", true, 1},     {"SSL_write", false, 2},
	{"SSL_write", true, 3},	    {"SSL_read_ex", false, 4}, {"SSL_read_ex", true, 5},
	{"SSL_write_ex", false, 6}, {"SSL_write_ex", true, 7},
};

/* gnutls_record_recv/send(session, data, size) -> bytes: SSL_read/SSL_write's
 * shape, so the same programs (the cookie tells the library apart). */
static const struct uprobe_spec gnutls_specs[4] = {
	{"gnutls_record_recv", false, 0},
	{"gnutls_record_recv", true, 1},
	{"gnutls_record_send", false, 2},
	{"gnutls_record_send", true, 3},
};

/* BoringSSL's SSL_read/SSL_write (ssl, buf, int num) -> int: the plain
 * pair's shape. No symbols: the offsets are given (probe_tls_set_offsets). */
static const struct uprobe_spec boring_specs[4] = {
	{"SSL_read", false, 0},
	{"SSL_read", true, 1},
	{"SSL_write", false, 2},
	{"SSL_write", true, 3},
};

static const struct lib_spec *lib_spec(enum pr_tls_lib lib)
{
	static const struct lib_spec openssl = {8, openssl_specs}, gnutls = {4, gnutls_specs},
				     boring = {4, boring_specs};

	if (lib == PR_TLS_LIB_BORINGSSL)
		return &boring;
	return lib == PR_TLS_LIB_GNUTLS ? &gnutls : &openssl;
}

/* Destroying a uprobe link waits for the kernel's grace periods (tens of
 * ms to a second under load): done on the reaper thread, so the event loop
 * that asked never stalls (the process is gone: nothing hits the probe). */
static void *reaper_main(void *arg)
{
	struct probe_tls *t = arg;
	struct bpf_link *batch[PROBE_TLS_DEAD];
	int i, n;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->ndead && !t->stop)
			pthread_cond_wait(&t->cv, &t->mu);
		if (!t->ndead)
			break;
		n = t->ndead;
		memcpy(batch, t->dead, (size_t)n * sizeof(batch[0]));
		t->ndead = 0;
		pthread_mutex_unlock(&t->mu);
		for (i = 0; i < n; i++)
			bpf_link__destroy(batch[i]);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

static void detach_hook(struct probe_tls *t, struct probe_tls_hook *h)
{
	int i;

	if (!t->reaper_up && !pthread_mutex_init(&t->mu, NULL) &&
	    !pthread_cond_init(&t->cv, NULL) && !pthread_create(&t->reaper, NULL, reaper_main, t))
		t->reaper_up = true;
	if (t->reaper_up)
		pthread_mutex_lock(&t->mu);
	for (i = 0; i < h->nlinks; i++) {
		if (t->reaper_up && t->ndead < PROBE_TLS_DEAD)
			t->dead[t->ndead++] = h->links[i];
		else
			bpf_link__destroy(h->links[i]); /* no reaper, or it is behind */
	}
	if (t->reaper_up) {
		pthread_cond_signal(&t->cv);
		pthread_mutex_unlock(&t->mu);
	}
	h->nlinks = 0;
}

static struct probe_tls_hook *find_hook(struct probe_tls *t, uint32_t pid, uint64_t dev,
					uint64_t ino)
{
	int i;

	for (i = 0; i < t->nhooks; i++)
		if (t->hooks[i].pid == pid && t->hooks[i].dev == dev && t->hooks[i].ino == ino)
			return &t->hooks[i];
	return NULL;
}

bool probe_tls_hooked(const struct probe *s, uint32_t pid, uint64_t dev, uint64_t ino)
{
	struct probe_tls *t = (struct probe_tls *)&s->tls;
	bool found;

	pthread_mutex_lock(&t->lock);
	found = find_hook(t, pid, dev, ino) != NULL;
	pthread_mutex_unlock(&t->lock);
	return found;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The file offset of the defined dynamic symbol name (what a uprobe takes):
 * its address, moved from the PT_LOAD segment that holds it to the file. */
static int64_t sym_file_off(Elf *e, uint64_t addr)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(e, &n))
		return -1;
	for (i = 0; i < n; i++)
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && addr >= ph.p_vaddr &&
		    addr < ph.p_vaddr + ph.p_filesz)
			return (int64_t)(addr - ph.p_vaddr + ph.p_offset);
	return -1;
}

/* offs[i]: the file offset of spec->fn[i].func in the ELF at path. */
static int resolve(const char *path, const struct lib_spec *spec, uint64_t offs[8], char *err,
		   size_t errlen)
{
	int64_t found[8];
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf_Data *d;
	size_t i, n;
	int fd, k, rc = -1;
	Elf *e;

	for (k = 0; k < 8; k++)
		found[k] = -1;
	if (elf_version(EV_CURRENT) == EV_NONE || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (e && (scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !(name = elf_strptr(e, sh.sh_link, sym.st_name)))
				continue;
			for (k = 0; k < spec->n; k++)
				if (!strcmp(name, spec->fn[k].func))
					found[k] = sym_file_off(e, sym.st_value);
		}
	}
	for (k = 0; k < spec->n && found[k] >= 0; k++)
		offs[k] = (uint64_t)found[k];
	if (k == spec->n)
		rc = 0;
	else
		snprintf(err, errlen, "%s: no %s in its dynamic symbols", path, spec->fn[k].func);
	if (e)
		elf_end(e);
	close(fd);
	return rc;
}

/* The functions' offsets remembered for the file (dev, ino): 0, or -1. */
static int cached_offsets(const struct probe_tls *t, const struct stat *st, uint64_t offs[8])
{
	int i;

	for (i = 0; i < t->nfiles; i++)
		if (t->files[i].dev == st->st_dev && t->files[i].ino == st->st_ino) {
			memcpy(offs, t->files[i].offs, sizeof(t->files[i].offs));
			return 0;
		}
	return -1;
}

static void remember_offsets(struct probe_tls *t, const struct stat *st, const uint64_t offs[8])
{
	struct probe_tls_file *f;
	uint64_t dummy[8];

	if (!cached_offsets(t, st, dummy))
		return;
	f = &t->files[t->nfiles < PROBE_TLS_FILES ? (size_t)t->nfiles++
						  : st->st_ino % PROBE_TLS_FILES];
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	memcpy(f->offs, offs, sizeof(f->offs));
}

void probe_tls_set_offsets(struct probe *s, uint64_t dev, uint64_t ino, uint64_t read_off,
			   uint64_t write_off)
{
	uint64_t offs[8] = {read_off, read_off, write_off, write_off};
	struct stat st = {.st_dev = dev, .st_ino = ino};

	pthread_mutex_lock(&s->tls.lock);
	remember_offsets(&s->tls, &st, offs);
	pthread_mutex_unlock(&s->tls.lock);
}

bool probe_tls_known(const struct probe *s, uint64_t dev, uint64_t ino)
{
	struct probe_tls *t = (struct probe_tls *)&s->tls;
	struct stat st = {.st_dev = dev, .st_ino = ino};
	uint64_t offs[8];
	bool known;

	pthread_mutex_lock(&t->lock);
	known = !cached_offsets(t, &st, offs);
	pthread_mutex_unlock(&t->lock);
	return known;
}

/* Attach spec's uprobes for pid at offs into h (all or none). */
static int attach_links(struct probe *s, struct probe_tls_hook *h, uint32_t pid, const char *path,
			enum pr_tls_lib lib, const uint64_t offs[8], char *err, size_t errlen)
{
	const struct lib_spec *spec = lib_spec(lib);
	int i;

	for (i = 0; i < spec->n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, o, .retprobe = spec->fn[i].ret, .bpf_cookie = lib);
		/* pid: the kernel installs the breakpoint only in that process's
		 * memory (uprobe_perf_filter compares the mm), now and when it
		 * maps the file again, and in no other process */
		struct bpf_link *k = bpf_program__attach_uprobe_opts(
			tls_prog(s->skel, spec->fn[i].prog), (pid_t)pid, path, (size_t)offs[i], &o);
		if (!k) {
			snprintf(err, errlen, "%s: hooking %s%s: %s", path, spec->fn[i].func,
				 spec->fn[i].ret ? " (return)" : "", strerror(errno));
			for (i = 0; i < h->nlinks; i++)
				bpf_link__destroy(h->links[i]);
			h->nlinks = 0;
			return -1;
		}
		h->links[h->nlinks++] = k;
	}
	return 0;
}

/* Under the lock; -2 when the offsets are not known yet. */
static int attach_locked(struct probe *s, uint32_t pid, const char *path, const struct stat *sp,
			 enum pr_tls_lib lib, unsigned flags, uint64_t *hooked_ns, char *err,
			 size_t errlen)
{
	struct probe_tls *t = &s->tls;
	struct probe_tls_hook *h;
	struct stat st = *sp;
	uint64_t offs[8];

	if ((h = find_hook(t, pid, st.st_dev, st.st_ino))) {
		if (hooked_ns)
			*hooked_ns = h->hooked_ns;
		if (!h->unclaimed || (flags & PROBE_TLS_GATE))
			return 0;
		h->unclaimed = false;
		return 1;
	}
	if (t->nhooks == PROBE_TLS_HOOKS) {
		t->refused++;
		snprintf(err, errlen, "%s: %d processes hooked already", path, PROBE_TLS_HOOKS);
		return -1;
	}
	if (cached_offsets(t, &st, offs)) {
		snprintf(err, errlen, "%s: offsets not learned", path);
		return -2;
	}
	h = &t->hooks[t->nhooks];
	memset(h, 0, sizeof(*h));
	if (attach_links(s, h, pid, path, lib, offs, err, errlen))
		return -1;
	h->pid = pid;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	h->hooked_ns = boot_ns();
	h->unclaimed = flags & PROBE_TLS_GATE;
	if (hooked_ns)
		*hooked_ns = h->hooked_ns;
	t->nhooks++;
	t->attached++;
	return 1;
}

/* Resolve the offsets (opening path: never under the lock, the gate may
 * be waiting for it to answer that open) and remember them. */
static int learn(struct probe *s, const char *path, const struct stat *st, enum pr_tls_lib lib,
		 char *err, size_t errlen)
{
	uint64_t offs[8];

	if (resolve(path, lib_spec(lib), offs, err, errlen))
		return -1;
	pthread_mutex_lock(&s->tls.lock);
	remember_offsets(&s->tls, st, offs);
	pthread_mutex_unlock(&s->tls.lock);
	return 0;
}

int probe_tls_attach(struct probe *s, uint32_t pid, const char *path, enum pr_tls_lib lib,
		     unsigned flags, uint64_t *hooked_ns, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&s->tls.lock);
	rc = attach_locked(s, pid, path, &st, lib, flags, hooked_ns, err, errlen);
	pthread_mutex_unlock(&s->tls.lock);
	if (rc != -2)
		return rc;
	if (lib == PR_TLS_LIB_BORINGSSL) { /* no symbols: located before (tls_sigs.h) */
		snprintf(err, errlen, "%s: BoringSSL's SSL_read/SSL_write not located", path);
		return -1;
	}
	if ((flags & PROBE_TLS_GATE) || learn(s, path, &st, lib, err, errlen))
		return -1;
	pthread_mutex_lock(&s->tls.lock);
	rc = attach_locked(s, pid, path, &st, lib, flags, hooked_ns, err, errlen);
	pthread_mutex_unlock(&s->tls.lock);
	return rc < 0 ? -1 : rc;
}

int probe_tls_learn(struct probe *s, const char *path, enum pr_tls_lib lib, char *err,
		    size_t errlen)
{
	uint64_t offs[8];
	struct stat st;
	int known;

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&s->tls.lock);
	known = !cached_offsets(&s->tls, &st, offs);
	pthread_mutex_unlock(&s->tls.lock);
	return known ? 0 : learn(s, path, &st, lib, err, errlen);
}

void probe_tls_detach_pid(struct probe *s, uint32_t pid)
{
	struct probe_tls *t = &s->tls;
	int i = 0;

	pthread_mutex_lock(&t->lock);
	while (i < t->nhooks) {
		if (t->hooks[i].pid != pid) {
			i++;
			continue;
		}
		detach_hook(t, &t->hooks[i]);
		t->hooks[i] = t->hooks[--t->nhooks];
	}
	pthread_mutex_unlock(&t->lock);
}

void probe_tls_detach_all(struct probe *s)
{
	struct probe_tls *t = &s->tls;
	int i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nhooks; i++)
		detach_hook(t, &t->hooks[i]);
	t->nhooks = 0;
	pthread_mutex_unlock(&t->lock);
	if (!t->reaper_up)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->reaper, NULL); /* it empties the queue first */
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	t->reaper_up = t->stop = false;
}

/* The dynamic symbol table defines want. */
static bool exports(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, const char *want)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i, n;
	GElf_Sym sym;
	const char *name;

	if (!d || !sh->sh_entsize)
		return false;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (name && !strcmp(name, want))
			return true;
	}
	return false;
}

enum probe_tls_kind probe_tls_inspect(const char *path)
{
	enum probe_tls_kind kind = PROBE_TLS_NONE;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstr;
	const char *name;
	Elf *e;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return PROBE_TLS_NONE;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstr))
		goto out;
	while ((scn = elf_nextscn(e, scn)) && kind == PROBE_TLS_NONE) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstr, sh.sh_name);
		if (sh.sh_type == SHT_DYNSYM && exports(e, scn, &sh, "SSL_write"))
			kind = PROBE_TLS_OPENSSL;
		else if (sh.sh_type == SHT_DYNSYM && exports(e, scn, &sh, "gnutls_record_send"))
			kind = PROBE_TLS_GNUTLS;
		else if (name && !strcmp(name, ".bun"))
			kind = PROBE_TLS_BUN;
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return kind;
}
