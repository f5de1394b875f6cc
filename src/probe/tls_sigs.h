/* tls_sigs.h: the TLS signature file: where SSL_read and SSL_write lie in
 * a stripped executable with BoringSSL built in (Bun, so Claude Code),
 * keyed by the ELF's GNU build id, with the first bytes at each offset so
 * that a build id that lies (or a file patched since) is refused rather
 * than hooked mid-instruction. The fast path before the locator
 * (tls_boring.c): a shipped, versioned data file (data/tls-signatures,
 * installed as /usr/share/proctor/tls-signatures) and a cache the
 * locator's results are added to (/var/lib/proctor/tls-signatures).
 *
 * Format (one entry a line, '#' comments, blank lines skipped):
 *   proctor-tls-signatures 1
 *   boringssl BUILD-ID READ-OFF WRITE-OFF READ-HEAD WRITE-HEAD [comment]
 * BUILD-ID: hex (the note's bytes); offsets: 0x-prefixed hex file
 * offsets; heads: TLS_SIG_HEAD bytes in hex. Format: docs/EVENTS-llm.md. */
#ifndef PROCTOR_PROBE_TLS_SIGS_H
#define PROCTOR_PROBE_TLS_SIGS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_SIG_HEAD	16 /* bytes checked at each offset */
#define TLS_SIG_ID_MAX	64 /* build id bytes */
#define TLS_SIGS_MAX	4096
#define TLS_SIGS_HEADER "proctor-tls-signatures 1"

struct tls_sig {
	uint8_t id[TLS_SIG_ID_MAX];
	size_t idlen;
	uint64_t read_off, write_off;
	uint8_t read_head[TLS_SIG_HEAD], write_head[TLS_SIG_HEAD];
	char comment[96];
};

struct tls_sigs {
	struct tls_sig *v;
	size_t n, cap;
};

/* Parse a whole file's text (name for messages) and add its entries to t.
 * A malformed line refuses the whole text (nothing added): -1 with err
 * "name:LINE: why". */
int tls_sigs_parse(struct tls_sigs *t, const char *text, size_t len, const char *name, char *err,
		   size_t errlen);
/* tls_sigs_parse of the file at path; a file that does not exist adds
 * nothing and is not an error. */
int tls_sigs_load(struct tls_sigs *t, const char *path, char *err, size_t errlen);
/* The entry for build id (the newest added wins); NULL when none. */
const struct tls_sig *tls_sigs_find(const struct tls_sigs *t, const uint8_t *id, size_t idlen);
/* Add (or replace) an entry. 0, or -ENOMEM / -ENOSPC. */
int tls_sigs_add(struct tls_sigs *t, const struct tls_sig *s);
/* Write every entry to path atomically (a temporary file renamed over it). */
int tls_sigs_save(const struct tls_sigs *t, const char *path, char *err, size_t errlen);
void tls_sigs_free(struct tls_sigs *t);

/* The GNU build id of the ELF at path: its length, or -1 with err. */
int tls_sigs_build_id(const char *path, uint8_t id[TLS_SIG_ID_MAX], char *err, size_t errlen);
/* The TLS_SIG_HEAD bytes at the entry's offsets in the file at path (the
 * locator's result, to be remembered). 0, or -1 with err. */
int tls_sigs_read_heads(const char *path, struct tls_sig *s, char *err, size_t errlen);
/* The file at path holds s's head bytes at s's offsets: 0, or -1 with err. */
int tls_sigs_check(const char *path, const struct tls_sig *s, char *err, size_t errlen);

#endif
