/* syslog_fmt.c: RFC 5424 header/structured-data formatting and CEF
 * header/extension formatting of records. */
#include "sinks/syslog_fmt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model/severity.h"
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

static void put_sd(struct strbuf *out, const struct record *r)
{
	struct strbuf tmp = STRBUF_INIT;
	uint32_t i;

	sb_puts(out, "[" SYSLOG_SD_ID);
	for (i = 0; i < r->nf; i++) {
		const struct field *f = &r->f[i];
		if (!strcmp(f->key, "time") || !strcmp(f->key, "host.name"))
			continue; /* in the header already */
		sb_putc(out, ' ');
		put_sd_name(out, f->key);
		sb_puts(out, "=\"");
		field_text(f, &tmp);
		sd_escape(out, sb_cstr(&tmp), SD_VALUE_MAX);
		sb_putc(out, '"');
	}
	sb_putc(out, ']');
	sb_free(&tmp);
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

int syslog_format(const struct record *r, const struct syslog_opts *o, struct strbuf *out)
{
	int fac = o->facility >= 0 && o->facility <= 23 ? o->facility : 13;
	size_t hdr_end;

	sb_reset(out);
	sb_printf(out, "<%d>1 ", fac * 8 + syslog_severity_code(r));
	put_timestamp(out, r->time_ns);
	sb_putc(out, ' ');
	put_token(out, record_get_str(r, "host.name"), 255);
	sb_putc(out, ' ');
	put_token(out, o->appname ? o->appname : "proctor", 48);
	sb_printf(out, " %d ", o->procid > 0 ? o->procid : (int)getpid());
	put_token(out, r->type_name ? r->type_name : record_get_str(r, "type"), 32);
	sb_putc(out, ' ');
	put_sd(out, r);
	sb_putc(out, ' ');
	hdr_end = out->len;
	if (o->cef)
		cef_format(r, out);
	else
		record_to_json(r, out);
	if (o->max_len && out->len > o->max_len) {
		/* Keep header and structured data; cut the message. */
		size_t keep = o->max_len > hdr_end
				      ? utf8_cut(out->buf + hdr_end, out->len - hdr_end,
						 o->max_len - hdr_end)
				      : 0;
		out->len = o->max_len > hdr_end ? hdr_end + keep : o->max_len;
		out->buf[out->len] = 0;
	}
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

/* Our field -> CEF extension key (ArcSight dictionary). */
static const struct {
	const char *field, *cef;
} cef_map[] = {
	{"host.name", "dvchost"},
	{"process.pid", "spid"},
	{"process.name", "sproc"},
	{"process.user.id", "suid"},
	{"process.user.name", "suser"},
	{"process.executable.path", "filePath"},
	{"file.path", "fname"},
	{"file.bytes", "fsize"},
	{"network.peer.address", "dst"},
	{"network.peer.port", "dpt"},
	{"network.local.address", "src"},
	{"network.local.port", "spt"},
	{"network.transport", "proto"},
	{"server.address", "dhost"},
	{"dns.question.name", "dhost"},
	{"event.outcome", "outcome"},
	{"verdict", "act"},
	{"flow.bytes_out", "out"},
	{"flow.bytes_in", "in"},
};

static const struct {
	const char *field, *label;
} cef_custom[] = {
	{"session", "session"},
	{"agent", "agent"},
	{"project", "project"},
	{"process.command_line", "commandLine"},
	{"process.parent.chain", "parentChain"},
	{"policy.rule", "policyRule"},
};

static void put_ext(struct strbuf *out, const char *key, const struct field *f, struct strbuf *tmp)
{
	field_text(f, tmp);
	if (out->len && out->buf[out->len - 1] != '|')
		sb_putc(out, ' ');
	sb_printf(out, "%s=", key);
	cef_escape_ext(out, sb_cstr(tmp));
}

int cef_format(const struct record *r, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *type = r->type_name ? r->type_name : record_get_str(r, "type");
	const char *ip;
	char name[64];
	size_t i, dhost_done = 0;

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
	for (i = 0; i < ARRAY_SIZE(cef_map); i++) {
		const struct field *f = record_get(r, cef_map[i].field);
		if (!f)
			continue;
		if (!strcmp(cef_map[i].cef, "dhost") && dhost_done++)
			continue;
		/* dst/src must be IP addresses; UNIX socket paths are not. */
		ip = f->kind == FIELD_STR ? f->s : NULL;
		if ((!strcmp(cef_map[i].cef, "dst") || !strcmp(cef_map[i].cef, "src")) && ip &&
		    strchr(ip, ':')) {
			bool dst = !strcmp(cef_map[i].cef, "dst");
			sb_printf(out, " %s",
				  dst ? "c6a2Label=peerAddress" : "c6a3Label=localAddress");
			put_ext(out, dst ? "c6a2" : "c6a3", f, &tmp);
			continue;
		}
		if (ip && (!strcmp(cef_map[i].cef, "dst") || !strcmp(cef_map[i].cef, "src")) &&
		    ip[0] == '/')
			continue;
		put_ext(out, cef_map[i].cef, f, &tmp);
	}
	for (i = 0; i < ARRAY_SIZE(cef_custom); i++) {
		const struct field *f = record_get(r, cef_custom[i].field);
		if (!f)
			continue;
		sb_printf(out, " cs%zuLabel=%s", i + 1, cef_custom[i].label);
		{
			char key[8];
			snprintf(key, sizeof(key), "cs%zu", i + 1);
			put_ext(out, key, f, &tmp);
		}
	}
	sb_free(&tmp);
	return 0;
}
