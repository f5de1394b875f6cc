/* tls.c: attaching the tls family's uprobes (bpf/tls/openssl.bpf.c) to
 * TLS libraries, one set per library inode, with libbpf resolving the
 * functions by their dynamic symbols. A library whose symbols are missing
 * is refused with the reason, nothing left half attached. */
#include "probe/tls.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/probe.h"
#include "proctor.skel.h"

struct uprobe_spec {
	const char *func;
	bool ret;
};

static struct bpf_program *openssl_prog(struct proctor_bpf *k, int i)
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
	{"SSL_read", false},	 {"SSL_read", true},	 {"SSL_write", false},
	{"SSL_write", true},	 {"SSL_read_ex", false}, {"SSL_read_ex", true},
	{"SSL_write_ex", false}, {"SSL_write_ex", true},
};

static void detach_lib(struct probe_tls_lib *l)
{
	int i;

	for (i = 0; i < l->nlinks; i++)
		bpf_link__destroy(l->links[i]);
	l->nlinks = 0;
}

static struct probe_tls_lib *find_lib(struct probe_tls *t, uint64_t dev, uint64_t ino)
{
	int i;

	for (i = 0; i < t->nlibs; i++)
		if (t->libs[i].dev == dev && t->libs[i].ino == ino)
			return &t->libs[i];
	return NULL;
}

int probe_tls_attach_openssl(struct probe *s, const char *path, char *err, size_t errlen)
{
	struct probe_tls *t = &s->tls;
	struct probe_tls_lib *l;
	struct stat st;
	int i;

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (find_lib(t, st.st_dev, st.st_ino))
		return 0;
	if (t->nlibs == PROBE_TLS_LIBS) {
		t->refused++;
		snprintf(err, errlen, "%s: %d TLS libraries hooked already", path, PROBE_TLS_LIBS);
		return -1;
	}
	l = &t->libs[t->nlibs];
	memset(l, 0, sizeof(*l));
	for (i = 0; i < 8; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, o, .func_name = openssl_specs[i].func,
			    .retprobe = openssl_specs[i].ret);
		struct bpf_link *k =
			bpf_program__attach_uprobe_opts(openssl_prog(s->skel, i), -1, path, 0, &o);
		if (!k) {
			snprintf(err, errlen, "%s: hooking %s%s: %s", path, openssl_specs[i].func,
				 openssl_specs[i].ret ? " (return)" : "", strerror(errno));
			detach_lib(l);
			return -1;
		}
		l->links[l->nlinks++] = k;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->lib = PR_TLS_LIB_OPENSSL;
	snprintf(l->path, sizeof(l->path), "%s", path);
	t->nlibs++;
	return 1;
}

static int find_libssl(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *out = arg;
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (base && !strncmp(base + 1, "libssl.so", 9)) {
		snprintf(out, 256, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

int probe_tls_attach_system(struct probe *s, char *err, size_t errlen)
{
	char path[256] = "";

	if (!dl_iterate_phdr(find_libssl, path) || !path[0]) {
		snprintf(err, errlen, "no libssl mapped by proctor");
		return -1;
	}
	return probe_tls_attach_openssl(s, path, err, errlen);
}

void probe_tls_detach_all(struct probe *s)
{
	int i;

	for (i = 0; i < s->tls.nlibs; i++)
		detach_lib(&s->tls.libs[i]);
	s->tls.nlibs = 0;
}

/* The dynamic symbol table names SSL_write (and so, in OpenSSL, the rest). */
static bool exports_ssl(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
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
		if (name && !strcmp(name, "SSL_write"))
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
		if (sh.sh_type == SHT_DYNSYM && exports_ssl(e, scn, &sh))
			kind = PROBE_TLS_OPENSSL;
		else if (name && !strcmp(name, ".bun"))
			kind = PROBE_TLS_BUN;
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return kind;
}
