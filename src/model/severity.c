/* severity.c: how serious a record is, from its type and outcome. */
#include "model/severity.h"

#include <string.h>

static const char *const sev_names[SEV_MAX] = {"debug",	  "info",  "notice",
					       "warning", "error", "critical"};

const char *severity_name(enum severity s)
{
	return s < SEV_MAX ? sev_names[s] : "info";
}

int severity_parse(const char *s)
{
	int i;
	for (i = 0; i < SEV_MAX; i++)
		if (!strcmp(s, sev_names[i]))
			return i;
	return -1;
}

enum severity record_severity(const struct record *r)
{
	const char *t = r->type_name ? r->type_name : "", *v;

	if (!strcmp(t, "security.escape"))
		return SEV_CRITICAL;
	if (!strncmp(t, "security.", 9) || !strcmp(t, "intent.mismatch"))
		return SEV_WARNING;
	if (!strcmp(t, "process.signal")) {
		const struct field *f = record_get(r, "signal.target.outside_session");
		if (f && f->kind == FIELD_BOOL && f->b)
			return SEV_WARNING;
	}
	v = record_get_str(r, "file.sensitive_access"); /* pipeline/enrich.c */
	if (v && !strcmp(v, "write"))
		return SEV_ERROR;
	if (v)
		return SEV_WARNING;
	v = record_get_str(r, "verdict");
	if (v && !strcmp(v, "DENIED"))
		return SEV_WARNING;
	v = record_get_str(r, "event.outcome");
	if (v && !strcmp(v, "failure"))
		return SEV_NOTICE;
	return SEV_INFO;
}

enum severity record_severity_field(const struct record *r)
{
	const char *s = record_get_str(r, "event.severity");
	int v = s ? severity_parse(s) : -1;
	return v >= 0 ? (enum severity)v : record_severity(r);
}
