/* syslog_fmt.h: record -> RFC 5424 syslog message (structured data carries
 * every field) and record -> ArcSight CEF payload, with the escaping each
 * format requires. Used by the syslog sink; pure functions, unit-tested. */
#ifndef PROCTOR_SYSLOG_FMT_H
#define PROCTOR_SYSLOG_FMT_H
#include <stddef.h>

#include "model/record.h"
#include "util/strbuf.h"

#define SYSLOG_SD_ID "proctor@32473"

struct syslog_opts {
	int facility;	/* 0..23, default 13 (log audit) */
	int cef;	/* MSG is a CEF payload instead of JSON */
	size_t max_len; /* whole message; 0 = unlimited */
	/* Datagrams (UDP): every field once. RFC 5424: the structured data
	 * carries them, MSG is the one-line summary; CEF: the payload carries
	 * them, no structured data. Within max_len, fields that do not fit are
	 * left out whole (never cut inside) and named by a truncation marker:
	 * SD truncated="N" omitted="k1,k2"; CEF flexNumber1Label=omittedFields. */
	int compact;
	const char *appname;
	int procid;
};

int syslog_facility_parse(const char *s); /* name or number; -1 if bad */
int syslog_severity_code(const struct record *r);
int syslog_format(const struct record *r, const struct syslog_opts *o, struct strbuf *out);

int cef_severity(const struct record *r); /* 0..10 */
int cef_format(const struct record *r, struct strbuf *out);
/* Appends the CEF payload to out; budget: bytes it may take (0: unlimited),
 * fields over it left out whole and named (syslog_opts.compact). */
void cef_format_within(const struct record *r, size_t budget, struct strbuf *out);
/* Escaping helpers (exposed for tests). */
void cef_escape_header(struct strbuf *out, const char *s);
void cef_escape_ext(struct strbuf *out, const char *s);
void sd_escape(struct strbuf *out, const char *s, size_t max);

#endif
