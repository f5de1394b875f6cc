/* syslog_fmt.c: RFC 5424 header/structured-data formatting and CEF
 * header/extension formatting of records. */
#include "sinks/syslog_fmt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model/severity.h"
#include "model/summary.h"
#include "util/util.h"

#define SD_VALUE_MAX 1024

static const char *const facilities[] = {
	"kern",	  "user",   "mail",	"daemon", "auth",   "syslog", "lpr",	"news",
	"uucp",	  "cron",   "authpriv", "ftp",	  "ntp",    "audit",  "alert",	"clock",
	"local0", "local1", "local2",	"local3", "local4", "local5", "local6", "local7"};

int syslog_facility_parse(const char *s)
{
	int i;
	if (parse_int(s, &i) == 0)
		return i >= 0 && i <= 23 ? i : -1;
	for (i = 0; i < 24; i++)
		if (!strcmp(s, facilities[i]))
			return i;
	return -1;
}

int syslog_severity_code(const struct record *r)
{
	static const int code[SEV_MAX] = {7, 6, 5, 4, 3, 2};
	return code[record_severity_field(r)];
}

/* Printable US-ASCII token (HOSTNAME, APP-NAME, MSGID): others -> '_'. */
static void put_token(struct strbuf *out, const char *s, size_t max)
{
	size_t i;
	if (!s || !*s) {
		sb_putc(out, '-');
		return;
	}
	for (i = 0; s[i] && i < max; i++)
		sb_putc(out, s[i] > 32 && s[i] < 127 ? s[i] : '_');
}

/* Cut at a UTF-8 boundary at or below max bytes. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void sd_escape(struct strbuf *out, const char *s, size_t max)
{
	size_t n = utf8_cut(s, strlen(s), max), i;
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\' || s[i] == ']')
			sb_putc(out, '\\');
		sb_putc(out, s[i]);
	}
}

/* SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"'. */
static void put_sd_name(struct strbuf *out, const char *k)
{
	size_t i;
	for (i = 0; k[i] && i < 32; i++) {
		char c = k[i];
		sb_putc(out, c > 32 && c < 127 && c != '=' && c != ']' && c != '"' ? c : '_');
	}
}

static void field_text(const struct field *f, struct strbuf *tmp)
{
	uint32_t j;
	sb_reset(tmp);
	switch (f->kind) {
	case FIELD_STR: sb_puts(tmp, f->s); break;
	case FIELD_INT: sb_printf(tmp, "%" PRId64, f->i); break;
	case FIELD_BOOL: sb_puts(tmp, f->b ? "true" : "false"); break;
	case FIELD_DOUBLE: sb_printf(tmp, "%.12g", f->d); break;
	case FIELD_STRV:
		sb_putc(tmp, '[');
		for (j = 0; j < f->sv.n; j++) {
			if (j)
				sb_putc(tmp, ',');
			sb_json_str(tmp, f->sv.v[j]);
		}
		sb_putc(tmp, ']');
		break;
	}
}

/* ' KEY="VALUE"' of one field into tmp2 (value cut at vmax bytes; 0: whole). */
static void sd_param(struct strbuf *p, const struct field *f, struct strbuf *tmp, size_t vmax)
{
	sb_reset(p);
	sb_putc(p, ' ');
	put_sd_name(p, f->key);
	sb_puts(p, "=\"");
	field_text(f, tmp);
	sd_escape(p, sb_cstr(tmp), vmax ? vmax : tmp->len);
	sb_putc(p, '"');
}

/* The marker of fields left out: ' truncated="N" omitted="a,b"'. */
static void put_omitted(struct strbuf *out, size_t n, struct strbuf *names)
{
	if (!n)
		return;
	sb_printf(out, " truncated=\"%zu\" omitted=\"", n);
	sd_escape(out, sb_cstr(names), 200);
	if (names->len > 200)
		sb_puts(out, "...");
	sb_putc(out, '"');
}

#define OMITTED_RESERVE 256 /* room kept for the marker */

/* budget: bytes the whole SD element may take; 0 = unlimited (values cut at
 * SD_VALUE_MAX as before). */
static void put_sd(struct strbuf *out, const struct record *r, size_t budget)
{
	struct strbuf tmp = STRBUF_INIT, p = STRBUF_INIT, names = STRBUF_INIT;
	size_t start = out->len, omitted = 0;
	uint32_t i;

	sb_puts(out, "[" SYSLOG_SD_ID);
	for (i = 0; i < r->nf; i++) {
		const struct field *f = &r->f[i];
		if (!strcmp(f->key, "time") || !strcmp(f->key, "host.name"))
			continue; /* in the header already */
		sd_param(&p, f, &tmp, budget ? 0 : SD_VALUE_MAX);
		if (budget && out->len - start + p.len + 1 + OMITTED_RESERVE > budget) {
			sb_printf(&names, "%s%s", omitted++ ? "," : "", f->key);
			continue;
		}
		sb_append(out, p.buf, p.len);
	}
	put_omitted(out, omitted, &names);
	sb_putc(out, ']');
	sb_free(&tmp);
	sb_free(&p);
	sb_free(&names);
}

static void put_timestamp(struct strbuf *out, uint64_t ns)
{
	char ts[48];
	char *dot;
	fmt_rfc3339(ns, ts, sizeof(ts));
	/* RFC 5424 TIME-SECFRAC has at most 6 digits. */
	dot = strchr(ts, '.');
	if (dot && strlen(dot) > 8)
		memmove(dot + 7, dot + 10, strlen(dot + 10) + 1);
	sb_puts(out, ts);
}

static void put_header(const struct record *r, const struct syslog_opts *o, struct strbuf *out)
{
	int fac = o->facility >= 0 && o->facility <= 23 ? o->facility : 13;

	sb_printf(out, "<%d>1 ", fac * 8 + syslog_severity_code(r));
	put_timestamp(out, r->time_ns);
	sb_putc(out, ' ');
	put_token(out, record_get_str(r, "host.name"), 255);
	sb_putc(out, ' ');
	put_token(out, o->appname ? o->appname : "proctor", 48);
	sb_printf(out, " %d ", o->procid > 0 ? o->procid : (int)getpid());
	put_token(out, r->type_name ? r->type_name : record_get_str(r, "type"), 32);
	sb_putc(out, ' ');
}

/* Cut out->buf back to max bytes at a UTF-8 boundary, from byte from on. */
static void cut_tail(struct strbuf *out, size_t from, size_t max)
{
	if (!max || out->len <= max)
		return;
	out->len = max > from ? from + utf8_cut(out->buf + from, out->len - from, max - from) : max;
	out->buf[out->len] = 0;
}

/* Datagram form: every field once (syslog_opts.compact). */
static void format_compact(const struct record *r, const struct syslog_opts *o, struct strbuf *out)
{
	struct strbuf msg = STRBUF_INIT;
	size_t hdr_end, room;

	put_header(r, o, out);
	if (o->cef) {
		sb_puts(out, "- ");
		hdr_end = out->len;
		cef_format_within(r, o->max_len > hdr_end ? o->max_len - hdr_end : 0, out);
		cut_tail(out, hdr_end, o->max_len);
		return;
	}
	record_summary(r, &msg);
	/* the summary is a convenience: at most a quarter of the datagram */
	if (o->max_len && msg.len > o->max_len / 4)
		msg.len = utf8_cut(msg.buf, msg.len, o->max_len / 4);
	room = o->max_len > out->len + msg.len + 1 ? o->max_len - out->len - msg.len - 1 : 0;
	put_sd(out, r, o->max_len ? (room ? room : 1) : 0);
	sb_putc(out, ' ');
	sb_append(out, msg.buf, msg.len);
	sb_free(&msg);
	cut_tail(out, 0, o->max_len);
}

int syslog_format(const struct record *r, const struct syslog_opts *o, struct strbuf *out)
{
	size_t hdr_end;

	sb_reset(out);
	if (o->compact) {
		format_compact(r, o, out);
		return 0;
	}
	put_header(r, o, out);
	put_sd(out, r, 0);
	sb_putc(out, ' ');
	hdr_end = out->len;
	if (o->cef)
		cef_format(r, out);
	else
		record_to_json(r, out);
	/* Keep header and structured data; cut the message. */
	cut_tail(out, hdr_end, o->max_len);
	return 0;
}

/* ---- CEF ---- */

void cef_escape_header(struct strbuf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '|')
			sb_putc(out, '\\');
		sb_putc(out, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

void cef_escape_ext(struct strbuf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '=')
			sb_putc(out, '\\');
		if (*s == '\n')
			sb_puts(out, "\\n");
		else if (*s == '\r')
			sb_puts(out, "\\r");
		else
			sb_putc(out, *s);
	}
}

int cef_severity(const struct record *r)
{
	static const int sev[SEV_MAX] = {1, 3, 4, 6, 8, 10};
	return sev[record_severity_field(r)];
}

/* Our field -> CEF extension key (ArcSight dictionary). filePath is the
 * file acted on; the executable has a field of its own (flexString1). */
static const struct {
	const char *field, *cef;
} cef_map[] = {
	{"host.name", "dvchost"},	{"process.pid", "spid"},
	{"process.name", "sproc"},	{"process.user.id", "suid"},
	{"process.user.name", "suser"}, {"file.path", "filePath"},
	{"file.bytes", "fsize"},	{"network.peer.address", "dst"},
	{"network.peer.port", "dpt"},	{"network.local.address", "src"},
	{"network.local.port", "spt"},	{"network.transport", "proto"},
	{"server.address", "dhost"},	{"dns.question.name", "dhost"},
	{"event.outcome", "outcome"},	{"verdict", "act"},
	{"flow.bytes_out", "out"},	{"flow.bytes_in", "in"},
};

/* Labelled custom fields: cs1..cs6, then flexString1. */
static const struct {
	const char *field, *key, *label;
} cef_custom[] = {
	{"session", "cs1", "session"},
	{"agent", "cs2", "agent"},
	{"project", "cs3", "project"},
	{"process.command_line", "cs4", "commandLine"},
	{"process.parent.chain", "cs5", "parentChain"},
	{"policy.rule", "cs6", "policyRule"},
	{"process.executable.path", "flexString1", "executable"},
};

/* The fields left out of a CEF payload over budget. */
struct cef_omit {
	size_t n;
	struct strbuf names;
};

/* Append one ' key=value' (with its label pair first, if any) unless it
 * would take the payload past budget (0: unlimited). */
static void put_pair(struct strbuf *out, size_t start, size_t budget, const char *label_key,
		     const char *label, const char *key, const char *value, const char *field,
		     struct cef_omit *om)
{
	struct strbuf p = STRBUF_INIT;

	if (label)
		sb_printf(&p, " %sLabel=%s", label_key, label);
	sb_printf(&p, " %s=", key);
	cef_escape_ext(&p, value);
	if (budget && out->len - start + p.len + OMITTED_RESERVE > budget) {
		sb_printf(&om->names, "%s%s", om->n++ ? "," : "", field);
	} else
		sb_append(out, p.buf, p.len);
	sb_free(&p);
}

static bool is_ip_key(const char *k)
{
	return !strcmp(k, "dst") || !strcmp(k, "src");
}

static void put_mapped(const struct record *r, struct strbuf *out, size_t start, size_t budget,
		       struct cef_omit *om, struct strbuf *tmp)
{
	const char *v;
	bool dhost_done = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cef_map); i++) {
		const struct field *f = record_get(r, cef_map[i].field);
		const char *k = cef_map[i].cef;
		if (!f)
			continue;
		if (!strcmp(k, "dhost")) {
			if (dhost_done)
				continue;
			dhost_done = true;
		}
		field_text(f, tmp);
		v = sb_cstr(tmp);
		/* dst/src must be IP addresses: IPv6 in c6a2/c6a3, UNIX socket
		 * paths not at all */
		if (is_ip_key(k) && f->kind == FIELD_STR && f->s[0] == '/')
			continue;
		if (is_ip_key(k) && f->kind == FIELD_STR && strchr(f->s, ':')) {
			bool dst = !strcmp(k, "dst");
			put_pair(out, start, budget, dst ? "c6a2" : "c6a3",
				 dst ? "peerAddress" : "localAddress", dst ? "c6a2" : "c6a3", v,
				 f->key, om);
			continue;
		}
		put_pair(out, start, budget, NULL, NULL, k, v, f->key, om);
		if (!strcmp(k, "filePath") && strrchr(v, '/') && strrchr(v, '/')[1])
			put_pair(out, start, budget, NULL, NULL, "fname", strrchr(v, '/') + 1,
				 "file.name", om);
	}
}

void cef_format_within(const struct record *r, size_t budget, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;
	struct cef_omit om = {0, STRBUF_INIT};
	const char *type = r->type_name ? r->type_name : record_get_str(r, "type");
	size_t i, start = out->len;
	char name[64];

	snprintf(name, sizeof(name), "%s", type ? type : "event");
	for (i = 0; name[i]; i++)
		if (name[i] == '.')
			name[i] = ' ';
	sb_puts(out, "CEF:0|proctor|proctor|");
	cef_escape_header(out, PROCTOR_VERSION);
	sb_putc(out, '|');
	cef_escape_header(out, type);
	sb_putc(out, '|');
	cef_escape_header(out, name);
	sb_printf(out, "|%d|", cef_severity(r));
	sb_printf(out, "rt=%" PRIu64, r->time_ns / 1000000);
	put_mapped(r, out, start, budget, &om, &tmp);
	for (i = 0; i < ARRAY_SIZE(cef_custom); i++) {
		const struct field *f = record_get(r, cef_custom[i].field);
		if (!f)
			continue;
		field_text(f, &tmp);
		put_pair(out, start, budget, cef_custom[i].key, cef_custom[i].label,
			 cef_custom[i].key, sb_cstr(&tmp), f->key, &om);
	}
	if (om.n) {
		sb_printf(out, " flexNumber1Label=omittedFields flexNumber1=%zu", om.n);
		sb_puts(out, " flexString2Label=omitted flexString2=");
		if (om.names.len > 200)
			om.names.len = 200;
		cef_escape_ext(out, sb_cstr(&om.names));
	}
	sb_free(&om.names);
	sb_free(&tmp);
}

int cef_format(const struct record *r, struct strbuf *out)
{
	cef_format_within(r, 0, out);
	return 0;
}
