/* enrich.h: the Enrich stage: adds to every record the attribution and
 * context a SIEM needs without joins: host name, session, agent, project,
 * user and group names, the executable, a short parent-chain summary
 * (`process.parent.chain`, e.g. "bash(41) < proctor(40)") and a severity
 * (`event.severity`: info, notice, warning, critical). */
#ifndef PROCTOR_ENRICH_H
#define PROCTOR_ENRICH_H
#include "model/record.h"
#include "model/session.h"

struct enricher;

struct enricher *enricher_new(void);
void enricher_free(struct enricher *e);
/* ses may be NULL (unknown session). */
void enrich_record(struct enricher *e, struct record *r, const struct session *ses);

/* Severity of a record: 0 debug .. 5 critical (see severity_name). */
enum severity { SEV_DEBUG, SEV_INFO, SEV_NOTICE, SEV_WARNING, SEV_ERROR, SEV_CRITICAL, SEV_MAX };
enum severity record_severity(const struct record *r);
const char *severity_name(enum severity s);
/* -1 when unknown. */
int severity_parse(const char *s);
/* The record's event.severity field, or computed. */
enum severity record_severity_field(const struct record *r);

#endif
