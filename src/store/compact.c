/* compact.c: schema v2's encoding of an event's JSON into the row's own
 * fields and the runs of process-context fields kept once in the contexts
 * table (see compact.h). The input is record_to_json's output: one flat
 * object, keys without escapes. Anything else is left as it is. */
#include "store/compact.h"

#include <string.h>

#include "util/util.h"

enum { OWN, PROC, SHAPE };

/* PROC: the fields every record of a process instance shares, cut out in
 * runs kept once per process (contexts). SHAPE: fields with few values in a
 * session (outcome, flags, descriptor, ...), kept once per combination
 * (shapes). Every other field stays on the row. */
static const struct {
	const char *key;
	int cls;
} key_class[] = {
	{"session", PROC},
	{"agent", PROC},
	{"project", PROC},
	{"host.name", PROC},
	{"process.pid", PROC},
	{"process.tid", PROC},
	{"process.parent_pid", PROC},
	{"process.name", PROC},
	{"process.executable.path", PROC},
	{"process.user.id", PROC},
	{"process.group.id", PROC},
	{"process.user.name", PROC},
	{"process.group.name", PROC},
	{"process.parent.chain", PROC},
	{"process.parent.name", PROC},
	{"container.id", PROC},
	{"container.name", PROC},
	{"container.image.name", PROC},
	{"container.runtime", PROC},
	{"k8s.pod.name", PROC},
	{"k8s.namespace.name", PROC},
	{"event.severity", PROC},
	{"event.outcome", SHAPE},
	{"error.code", SHAPE},
	{"file.descriptor", SHAPE},
	{"file.open_count", SHAPE},
	{"file.flags", SHAPE},
	{"file.access", SHAPE},
	{"file.syscall", SHAPE},
	{"file.operations", SHAPE},
	{"file.summary_reason", SHAPE},
	{"file.mmaps", SHAPE},
	{"file.mode", SHAPE},
	{"process.thread", SHAPE},
	{"process.fork.syscall", SHAPE},
	{"process.fork.clone_flags", SHAPE},
	{"process.args_truncated", SHAPE},
	{"network.transport", SHAPE},
	{"network.type", SHAPE},
	{"network.direction", SHAPE},
	{"net.syscall", SHAPE},
	{"verdict", SHAPE},
	{"dns.question.type", SHAPE},
};

static int key_class_of(const char *key, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(key_class) / sizeof(key_class[0]); i++)
		if (strlen(key_class[i].key) == n && !memcmp(key_class[i].key, key, n))
			return key_class[i].cls;
	return OWN;
}

/* The end of the JSON string starting at s[i] == '"', or 0. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

/* The end of the value starting at s[i] (string, number, literal, array or
 * object), or 0. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
	int depth = 0;

	while (i < len) {
		char ch = s[i];
		if (ch == '"') {
			if (!(i = skip_string(s, len, i)))
				return 0;
			if (!depth)
				return i;
			continue;
		}
		if (ch == '[' || ch == '{')
			depth++;
		else if (ch == ']' || ch == '}') {
			if (!depth)
				return i; /* the enclosing object ends */
			if (!--depth)
				return i + 1;
		} else if (ch == ',' && !depth)
			return i;
		i++;
	}
	return 0;
}

/* Whether field [fs, fe) is exactly "key":"val". */
static int field_is(const char *fs, size_t flen, const char *key, const char *val)
{
	size_t kl = strlen(key), vl;

	if (!val)
		return 0;
	vl = strlen(val);
	if (flen != kl + vl + 5 || fs[0] != '"' || memcmp(fs + 1, key, kl) ||
	    memcmp(fs + 1 + kl, "\":\"", 3) || memcmp(fs + 4 + kl, val, vl) || fs[flen - 1] != '"')
		return 0;
	return 1;
}

/* A value the view can put back between quotes as it is. */
static int plain(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; p && *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
			return 0;
	return p != NULL;
}

struct run_state {
	int cls;   /* of the open run; OWN: none open */
	size_t rs; /* where it starts */
};

static void end_run(struct compact *c, const char *json, struct run_state *st, size_t re)
{
	if (st->cls == PROC) {
		c->run[c->nruns] = json + st->rs;
		c->run_len[c->nruns] = re - st->rs;
		sb_putc(&c->data, (char)(COMPACT_RUN0 + c->nruns));
		c->nruns++;
	} else if (st->cls == SHAPE) {
		c->srun[c->nsruns] = json + st->rs;
		c->srun_len[c->nsruns] = re - st->rs;
		sb_putc(&c->data, (char)(COMPACT_SHAPE0 + c->nsruns));
		c->nsruns++;
	}
	st->cls = OWN;
}

int compact_encode(struct compact *c, const char *json, size_t len, int64_t time_ns,
		   const char *type, const char *path)
{
	struct run_state st = {OWN, 0};
	char ts[40];
	size_t i = 1, last_end = 0, k;

	sb_reset(&c->data);
	c->nruns = c->nsruns = 0;
	for (k = 0; k < len; k++)
		if ((unsigned char)json[k] < 0x20)
			return -1;
	if (len < 2 || json[0] != '{' || json[len - 1] != '}')
		return -1;
	ts[0] = 0;
	if (time_ns >= 0)
		fmt_rfc3339((uint64_t)time_ns, ts, sizeof(ts));
	if (!plain(type))
		type = NULL;
	if (!plain(path))
		path = NULL;
	sb_putc(&c->data, '{');
	while (i < len - 1) {
		size_t fs = i, ke, fe;
		int cls;

		if (json[i] != '"' || !(ke = skip_string(json, len, i)) || ke >= len ||
		    json[ke] != ':' || memchr(json + i, '\\', ke - i))
			return -1;
		/* a value that runs to the end leaves no closing brace; a comma
		 * before it no field (the row could not say it) */
		if (!(fe = skip_value(json, len, ke + 1)) || fe >= len ||
		    (json[fe] != ',' && fe != len - 1) || (json[fe] == ',' && fe + 1 == len - 1))
			return -1;
		cls = key_class_of(json + fs + 1, ke - fs - 2);
		if (cls != st.cls) {
			end_run(c, json, &st, last_end);
			if ((cls == PROC && c->nruns == COMPACT_RUNS) ||
			    (cls == SHAPE && c->nsruns == COMPACT_SHAPE_RUNS))
				cls = OWN;
			if (fs > 1)
				sb_putc(&c->data, ',');
			if (cls != OWN) {
				st.cls = cls;
				st.rs = fs;
			}
		} else if (cls == OWN && fs > 1) {
			sb_putc(&c->data, ',');
		}
		if (cls == OWN) {
			if (*ts && field_is(json + fs, fe - fs, "time", ts))
				sb_putc(&c->data, COMPACT_TIME);
			else if (field_is(json + fs, fe - fs, "type", type))
				sb_putc(&c->data, COMPACT_TYPE);
			else if (field_is(json + fs, fe - fs, "file.path", path))
				sb_putc(&c->data, COMPACT_PATH);
			else
				sb_append(&c->data, json + fs, fe - fs);
		}
		last_end = fe;
		i = fe < len - 1 ? fe + 1 : fe;
	}
	end_run(c, json, &st, last_end);
	sb_putc(&c->data, '}');
	return 0;
}

void compact_decode(struct strbuf *out, const char *data, size_t len, const char *const *runs,
		    const char *const *sruns, int64_t time_ns, const char *type, const char *path)
{
	char ts[40];
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)data[i];
		if (ch >= COMPACT_RUN0 && ch < COMPACT_RUN0 + COMPACT_RUNS) {
			sb_puts(out, runs[ch - COMPACT_RUN0] ? runs[ch - COMPACT_RUN0] : "");
		} else if (ch >= COMPACT_SHAPE0 && ch < COMPACT_SHAPE0 + COMPACT_SHAPE_RUNS) {
			sb_puts(out, sruns[ch - COMPACT_SHAPE0] ? sruns[ch - COMPACT_SHAPE0] : "");
		} else if (ch == COMPACT_TIME) {
			fmt_rfc3339((uint64_t)time_ns, ts, sizeof(ts));
			sb_printf(out, "\"time\":\"%s\"", ts);
		} else if (ch == COMPACT_TYPE) {
			sb_printf(out, "\"type\":\"%s\"", type ? type : "");
		} else if (ch == COMPACT_PATH) {
			sb_printf(out, "\"file.path\":\"%s\"", path ? path : "");
		} else {
			sb_putc(out, (char)ch);
		}
	}
}
