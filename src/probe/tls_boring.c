/* tls_boring.c: BoringSSL's SSL_read and SSL_write located in a stripped
 * executable (tls_boring.h). Reads the ELF once: the "ssl/ssl_lib.cc"
 * string in .rodata; every instruction in .text that loads its address
 * as the fourth argument (ERR_put_error's file: `mov $imm32,%ecx` in a
 * non-PIE executable, `lea disp(%rip),%rcx` in a PIE one) and the reason
 * loaded into %edx next to it; the function each one lies in. In
 * BoringSSL's ssl_lib.cc:
 *   SSL_write      puts ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED (QUIC) and
 *                  SSL_R_UNINITIALIZED;
 *   ssl_read_impl  puts SSL_R_UNINITIALIZED, not the QUIC reason;
 *   SSL_read       (SSL_peek inlined into it) or SSL_peek: puts only the
 *                  QUIC reason and calls ssl_read_impl directly; SSL_read
 *                  also consumes what it copied (a store to the SSL's
 *                  pending span), SSL_peek does not, so SSL_read is the one
 *                  of them that is not called by another candidate.
 * Each must come out unique, or nothing is located (a wrong uprobe would
 * be worse than none). */
#include "probe/tls_boring.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_REASONS 16
#define MAX_FUNCS   512

struct sect {
	const uint8_t *p; /* in the file's mapping */
	uint64_t va, off, size;
};

struct image {
	const uint8_t *map;
	size_t len;
	struct sect text, rodata, ehhdr;
};

struct func {
	uint64_t start, end;
	uint16_t reasons[MAX_REASONS];
	int nreasons;
};

struct starts {
	uint64_t *v;
	size_t n, cap;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int push_start(struct starts *s, uint64_t va)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = va;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sections by name, from the section headers (libelf). */
static int find_sections(int fd, struct image *im, char *err, size_t errlen)
{
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	size_t shstr;

	if (!e || !gelf_getehdr(e, &eh) || eh.e_machine != EM_X86_64 ||
	    elf_getshdrstrndx(e, &shstr)) {
		snprintf(err, errlen, "not an x86-64 ELF");
		if (e)
			elf_end(e);
		return -1;
	}
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;
		struct sect *s = NULL;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(name = elf_strptr(e, shstr, sh.sh_name)))
			continue;
		if (!strcmp(name, ".text"))
			s = &im->text;
		else if (!strcmp(name, ".rodata"))
			s = &im->rodata;
		else if (!strcmp(name, ".eh_frame_hdr"))
			s = &im->ehhdr;
		if (!s || sh.sh_offset > im->len || sh.sh_size > im->len - sh.sh_offset)
			continue;
		s->p = im->map + sh.sh_offset;
		s->va = sh.sh_addr;
		s->off = sh.sh_offset;
		s->size = sh.sh_size;
	}
	elf_end(e);
	if (!im->text.size || !im->rodata.size) {
		snprintf(err, errlen, "no .text or .rodata section");
		return -1;
	}
	return 0;
}

/* The address of the NUL-terminated string ending "ssl/ssl_lib.cc" in
 * .rodata, 0 when there is none. */
static uint64_t find_file_string(const struct sect *ro)
{
	static const char tail[] = "ssl/ssl_lib.cc";
	const uint8_t *p = ro->p, *end = ro->p + ro->size;

	while ((p = memmem(p, (size_t)(end - p), tail, sizeof(tail))) != NULL) {
		const uint8_t *s = p;

		while (s > ro->p && s[-1] && s[-1] >= 0x20 && s[-1] < 0x7f)
			s--;
		if (s == p || s[0] == '.' || s[0] == '/')
			return ro->va + (uint64_t)(s - ro->p);
		p += sizeof(tail);
	}
	return 0;
}

/* Function starts: .eh_frame_hdr's table (the common encodings: pcrel
 * sdata4 pointer, udata4 count, datarel sdata4 table), then the direct
 * call targets that are 16-aligned and follow int3 padding. */
static int collect_starts(const struct image *im, struct starts *s)
{
	const struct sect *t = &im->text, *h = &im->ehhdr;
	uint64_t i, n;

	if (h->size >= 12 && h->p[0] == 1 && h->p[1] == 0x1b && h->p[2] == 0x03 &&
	    h->p[3] == 0x3b) {
		n = rd32(h->p + 8);
		for (i = 0; i < n && 12 + i * 8 + 8 <= h->size; i++) {
			uint64_t va = h->va + (uint64_t)(int64_t)(int32_t)rd32(h->p + 12 + i * 8);

			if (va >= t->va && va < t->va + t->size && push_start(s, va))
				return -1;
		}
	}
	for (i = 0; i + 5 <= t->size; i++) {
		uint64_t to;

		if (t->p[i] != 0xe8)
			continue;
		to = t->va + i + 5 + (uint64_t)(int64_t)(int32_t)rd32(t->p + i + 1);
		if (to < t->va || to >= t->va + t->size || to % 16)
			continue;
		if ((to == t->va || t->p[to - t->va - 1] == 0xcc) && push_start(s, to))
			return -1;
	}
	if (s->n) /* qsort's base may not be NULL, even for no elements */
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (i = n = 0; i < s->n; i++)
		if (!n || s->v[n - 1] != s->v[i])
			s->v[n++] = s->v[i];
	s->n = n;
	return 0;
}

/* The function [start, end) holding va; 0 when before the first start. */
static int func_of(const struct starts *s, const struct sect *t, uint64_t va, uint64_t *start,
		   uint64_t *end)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->v[mid] <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	*start = s->v[lo - 1];
	*end = lo < s->n ? s->v[lo] : t->va + t->size;
	return 0;
}

/* The reason loaded into %edx (`mov $imm32,%edx`) nearest the reference
 * at text offset i, within 32 bytes; -1 when none. */
static int reason_near(const struct sect *t, uint64_t i)
{
	uint64_t d;

	for (d = 1; d <= 32; d++) {
		if (i + d + 5 <= t->size && t->p[i + d] == 0xba && rd32(t->p + i + d + 1) < 0x1000)
			return (int)rd32(t->p + i + d + 1);
		if (i >= d && t->p[i - d] == 0xba && rd32(t->p + i - d + 1) < 0x1000)
			return (int)rd32(t->p + i - d + 1);
	}
	return -1;
}

static struct func *func_get(struct func *f, int *nf, uint64_t start, uint64_t end)
{
	int i;

	for (i = 0; i < *nf; i++)
		if (f[i].start == start)
			return &f[i];
	if (*nf == MAX_FUNCS)
		return NULL;
	memset(&f[*nf], 0, sizeof(f[0]));
	f[*nf].start = start;
	f[*nf].end = end;
	return &f[(*nf)++];
}

/* Every function that loads the string's address, with its reasons. */
static int collect_funcs(const struct image *im, const struct starts *s, uint64_t str,
			 struct func *f, int *nf)
{
	const struct sect *t = &im->text;
	uint64_t i;

	*nf = 0;
	for (i = 0; i + 7 <= t->size; i++) {
		uint64_t start, end, va = t->va + i;
		struct func *fn;
		int r;

		if (!((t->p[i] == 0xb9 && str < 0x100000000ull && rd32(t->p + i + 1) == str) ||
		      (t->p[i] == 0x48 && t->p[i + 1] == 0x8d && t->p[i + 2] == 0x0d &&
		       va + 7 + (uint64_t)(int64_t)(int32_t)rd32(t->p + i + 3) == str)))
			continue;
		if (func_of(s, t, va, &start, &end) || !(fn = func_get(f, nf, start, end)))
			continue;
		if ((r = reason_near(t, i)) >= 0 && fn->nreasons < MAX_REASONS)
			fn->reasons[fn->nreasons++] = (uint16_t)r;
	}
	return *nf ? 0 : -1;
}

static bool has_reason(const struct func *f, int r)
{
	int i;

	for (i = 0; i < f->nreasons; i++)
		if (f->reasons[i] == r)
			return true;
	return false;
}

static bool only_reason(const struct func *f, int r)
{
	int i;

	for (i = 0; i < f->nreasons; i++)
		if (f->reasons[i] != r)
			return false;
	return f->nreasons > 0;
}

/* Whether the body of f makes a direct call to address to. */
static bool calls(const struct sect *t, const struct func *f, uint64_t to)
{
	uint64_t va;

	for (va = f->start; va + 5 <= f->end; va++) {
		const uint8_t *p = t->p + (va - t->va);

		if (p[0] == 0xe8 && va + 5 + (uint64_t)(int64_t)(int32_t)rd32(p + 1) == to)
			return true;
	}
	return false;
}

/* The rules of the header comment, on the functions found. */
static int identify(const struct sect *t, const struct func *f, int nf, struct tls_boring_loc *out,
		    char *err, size_t errlen)
{
	const struct func *w = NULL, *rd[8];
	int i, j, nw = 0, nrd = 0, nread = 0;

	for (i = 0; i < nf; i++)
		if (has_reason(&f[i], BORING_ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED) &&
		    has_reason(&f[i], BORING_SSL_R_UNINITIALIZED)) {
			w = &f[i];
			nw++;
		}
	for (i = 0; i < nf; i++) {
		if (!only_reason(&f[i], BORING_ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED))
			continue;
		for (j = 0; j < nf; j++)
			if (has_reason(&f[j], BORING_SSL_R_UNINITIALIZED) &&
			    !has_reason(&f[j], BORING_ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED) &&
			    calls(t, &f[i], f[j].start))
				break;
		if (j < nf && nrd < 8)
			rd[nrd++] = &f[i];
	}
	if (nw != 1 || !nrd) {
		snprintf(err, errlen,
			 "BoringSSL's ssl_lib.cc is referenced by %d functions, but %d look like "
			 "SSL_write and %d like SSL_read/SSL_peek (one of each expected)",
			 nf, nw, nrd);
		return -1;
	}
	/* SSL_read: the candidate no other candidate calls (SSL_peek is
	 * called by a non-inlined SSL_read) */
	for (i = 0; i < nrd; i++) {
		for (j = 0; j < nrd && (j == i || !calls(t, rd[j], rd[i]->start)); j++)
			;
		if (j == nrd) {
			out->read_va = rd[i]->start;
			nread++;
		}
	}
	if (nread != 1) {
		snprintf(err, errlen, "%d candidates for BoringSSL's SSL_read (one expected)",
			 nread);
		return -1;
	}
	out->write_va = w->start;
	out->read_off = out->read_va - t->va + t->off;
	out->write_off = out->write_va - t->va + t->off;
	out->nfuncs = nf;
	return 0;
}

/* One sequential pass over .text (100+ MB in Bun): read ahead rather than
 * fault page by page. */
static void advise_text(const struct sect *t)
{
	uintptr_t a = (uintptr_t)t->p & ~(uintptr_t)4095;
	size_t n = (size_t)t->size + ((uintptr_t)t->p & 4095);

	madvise((void *)a, n, MADV_SEQUENTIAL);
	madvise((void *)a, n, MADV_WILLNEED);
}

int tls_boring_locate(const char *path, struct tls_boring_loc *out, char *err, size_t errlen)
{
	struct image im = {0};
	struct starts s = {0};
	struct func *f = NULL;
	struct stat st;
	uint64_t str;
	int fd, nf = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (im.len = (size_t)st.st_size) == 0 ||
	    (im.map = mmap(NULL, im.len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		snprintf(err, errlen, "%s: cannot map: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (find_sections(fd, &im, err, errlen))
		goto out;
	/* one sequential pass over .text: read ahead rather than fault page by page */
	advise_text(&im.text);
	if (!(str = find_file_string(&im.rodata))) {
		snprintf(err, errlen, "no BoringSSL inside (no ssl/ssl_lib.cc string)");
		goto out;
	}
	if (!(f = calloc(MAX_FUNCS, sizeof(*f))) || collect_starts(&im, &s)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (collect_funcs(&im, &s, str, f, &nf)) {
		snprintf(err, errlen, "BoringSSL's ssl/ssl_lib.cc string is referenced by no code");
		goto out;
	}
	rc = identify(&im.text, f, nf, out, err, errlen);
out:
	free(f);
	free(s.v);
	munmap((void *)im.map, im.len);
	close(fd);
	return rc;
}
