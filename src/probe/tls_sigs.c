/* tls_sigs.c: the TLS signature file (tls_sigs.h): parse, look up by
 * build id, check the head bytes in the file, save atomically; the ELF's
 * GNU build id (libelf). */
#include "probe/tls_sigs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024
#define MAX_FIELDS   6

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits (an even number of them, at most max bytes) into out. */
static int parse_hex(const char *s, size_t slen, uint8_t *out, size_t max, size_t *len)
{
	size_t i;

	if (!slen || slen % 2 || slen / 2 > max)
		return -1;
	for (i = 0; i < slen; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = slen / 2;
	return 0;
}

/* "0x" and 1-16 hex digits. */
static int parse_off(const char *s, size_t slen, uint64_t *v)
{
	size_t i;

	if (slen < 3 || slen > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	*v = 0;
	for (i = 2; i < slen; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -1;
		*v = *v << 4 | (uint64_t)d;
	}
	return 0;
}

/* Split line into at most MAX_FIELDS whitespace-separated fields; the rest
 * (after the sixth) is the comment. Returns the number of fields. */
static int split(const char *line, size_t len, const char *f[MAX_FIELDS], size_t fl[MAX_FIELDS],
		 const char **rest, size_t *restlen)
{
	size_t i = 0;
	int n = 0;

	*rest = NULL;
	*restlen = 0;
	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == MAX_FIELDS) {
			*rest = line + i;
			*restlen = len - i;
			while (*restlen &&
			       (line[i + *restlen - 1] == ' ' || line[i + *restlen - 1] == '\t'))
				(*restlen)--;
			break;
		}
		f[n] = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		fl[n] = (size_t)(line + i - f[n]);
		n++;
	}
	return n;
}

static int parse_entry(const char *line, size_t len, struct tls_sig *s, const char **why)
{
	const char *f[MAX_FIELDS], *rest;
	size_t fl[MAX_FIELDS], restlen, hl;
	int n = split(line, len, f, fl, &rest, &restlen);

	memset(s, 0, sizeof(*s));
	if (n < MAX_FIELDS) {
		*why = "expected: boringssl BUILD-ID READ-OFF WRITE-OFF READ-HEAD WRITE-HEAD";
		return -1;
	}
	if (fl[0] != 9 || memcmp(f[0], "boringssl", 9)) {
		*why = "unknown library (only boringssl)";
		return -1;
	}
	if (parse_hex(f[1], fl[1], s->id, TLS_SIG_ID_MAX, &s->idlen)) {
		*why = "bad build id (hex, at most 64 bytes)";
		return -1;
	}
	if (parse_off(f[2], fl[2], &s->read_off) || parse_off(f[3], fl[3], &s->write_off)) {
		*why = "bad offset (0x and hex digits)";
		return -1;
	}
	if (parse_hex(f[4], fl[4], s->read_head, TLS_SIG_HEAD, &hl) || hl != TLS_SIG_HEAD ||
	    parse_hex(f[5], fl[5], s->write_head, TLS_SIG_HEAD, &hl) || hl != TLS_SIG_HEAD) {
		*why = "bad head bytes (16 bytes in hex)";
		return -1;
	}
	if (restlen) {
		if (restlen >= sizeof(s->comment))
			restlen = sizeof(s->comment) - 1;
		memcpy(s->comment, rest, restlen);
		s->comment[restlen] = 0;
	}
	return 0;
}

int tls_sigs_add(struct tls_sigs *t, const struct tls_sig *s)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].idlen == s->idlen && !memcmp(t->v[i].id, s->id, s->idlen)) {
			t->v[i] = *s;
			return 0;
		}
	if (t->n == TLS_SIGS_MAX)
		return -ENOSPC;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct tls_sig *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *s;
	return 0;
}

int tls_sigs_parse(struct tls_sigs *t, const char *text, size_t len, const char *name, char *err,
		   size_t errlen)
{
	struct tls_sigs add = {0};
	const char *p = text, *end = text + len, *why = NULL;
	bool header = false;
	int lineno = 0;
	size_t k;

	for (; p < end && !why; p++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), i = 0;
		struct tls_sig s;

		lineno++;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (n > i && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		if (n > LINE_MAX_LEN)
			why = "line too long";
		else if (memchr(p, 0, n))
			why = "NUL byte";
		else if (i == n || p[i] == '#')
			; /* blank or comment */
		else if (!header) {
			if (n - i != strlen(TLS_SIGS_HEADER) ||
			    memcmp(p + i, TLS_SIGS_HEADER, n - i))
				why = "first line must be \"" TLS_SIGS_HEADER "\"";
			header = true;
		} else if (!parse_entry(p + i, n - i, &s, &why) && tls_sigs_add(&add, &s))
			why = "too many entries";
		p = nl ? nl : end - 1; /* the loop steps past the newline */
	}
	for (k = 0; !why && k < add.n; k++)
		if (tls_sigs_add(t, &add.v[k]))
			why = "too many entries";
	tls_sigs_free(&add);
	if (!why)
		return 0;
	snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
	return -1;
}

int tls_sigs_load(struct tls_sigs *t, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	struct stat st;
	ssize_t got;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)TLS_SIGS_MAX * 512) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
			 TLS_SIGS_MAX * 512);
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	got = read(fd, buf, (size_t)st.st_size);
	if (got != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		goto out;
	}
	rc = tls_sigs_parse(t, buf, (size_t)got, path, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}

const struct tls_sig *tls_sigs_find(const struct tls_sigs *t, const uint8_t *id, size_t idlen)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].idlen == idlen && !memcmp(t->v[i].id, id, idlen))
			return &t->v[i];
	return NULL;
}

static void put_hex(FILE *f, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

int tls_sigs_save(const struct tls_sigs *t, const char *path, char *err, size_t errlen)
{
	char tmp[4200];
	size_t i;
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	fchmod(fd, 0644);
	fprintf(f, "%s\n# written by proctor: offsets its locator found (docs/EVENTS-llm.md)\n",
		TLS_SIGS_HEADER);
	for (i = 0; i < t->n; i++) {
		const struct tls_sig *s = &t->v[i];

		fprintf(f, "boringssl ");
		put_hex(f, s->id, s->idlen);
		fprintf(f, " 0x%llx 0x%llx ", (unsigned long long)s->read_off,
			(unsigned long long)s->write_off);
		put_hex(f, s->read_head, TLS_SIG_HEAD);
		fputc(' ', f);
		put_hex(f, s->write_head, TLS_SIG_HEAD);
		if (s->comment[0])
			fprintf(f, " %s", s->comment);
		fputc('\n', f);
	}
	if (fflush(f) || fsync(fd) || fclose(f)) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void tls_sigs_free(struct tls_sigs *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int tls_sigs_build_id(const char *path, uint8_t id[TLS_SIG_ID_MAX], char *err, size_t errlen)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int fd, len = -1;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (e && len < 0 && (scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while (len < 0 && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0)
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + noff, "GNU", 4) && nh.n_descsz &&
			    nh.n_descsz <= TLS_SIG_ID_MAX) {
				memcpy(id, (char *)d->d_buf + doff, nh.n_descsz);
				len = (int)nh.n_descsz;
			}
	}
	if (len < 0)
		snprintf(err, errlen, "%s: no GNU build id", path);
	if (e)
		elf_end(e);
	close(fd);
	return len;
}

static int read_head(int fd, uint64_t off, uint8_t out[TLS_SIG_HEAD])
{
	return pread(fd, out, TLS_SIG_HEAD, (off_t)off) == TLS_SIG_HEAD ? 0 : -1;
}

int tls_sigs_read_heads(const char *path, struct tls_sig *s, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || read_head(fd, s->read_off, s->read_head) ||
	    read_head(fd, s->write_off, s->write_head)) {
		snprintf(err, errlen, "%s: cannot read at the offsets: %s", path,
			 fd < 0 ? strerror(errno) : "short file");
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int tls_sigs_check(const char *path, const struct tls_sig *s, char *err, size_t errlen)
{
	struct tls_sig got = *s;

	if (tls_sigs_read_heads(path, &got, err, errlen))
		return -1;
	if (memcmp(got.read_head, s->read_head, TLS_SIG_HEAD) ||
	    memcmp(got.write_head, s->write_head, TLS_SIG_HEAD)) {
		snprintf(err, errlen,
			 "%s: its build id is in the TLS signatures, but the bytes at the "
			 "offsets differ (patched, or a wrong entry): not hooked from the entry",
			 path);
		return -1;
	}
	return 0;
}
